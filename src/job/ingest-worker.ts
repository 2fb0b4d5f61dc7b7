import { parentPort, workerData } from 'node:worker_threads';
import { serveStream } from '../worker/worker-stream.js';
import { normalizeRows, type NormalizeOptions } from './normalize-rows.js';

/** normalizeRows() in a worker thread; the typed columns are transferred, not copied. */
export interface IngestWorkerData {
  input: string;
  options: NormalizeOptions;
}

const { input, options } = workerData as IngestWorkerData;
await serveStream(parentPort!, normalizeRows(input, options), (batch) => [
  batch.keys.buffer as ArrayBuffer,
  batch.reasons.buffer as ArrayBuffer,
]);
