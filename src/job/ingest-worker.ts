import { parentPort, workerData } from 'node:worker_threads';
import { serveStream } from '../worker/worker-stream.js';
import { normalizeToSpool, type NormalizeOptions } from './normalize-to-spool.js';

/** normalizeToSpool() in a worker thread; the keys are transferred, not copied. */
export interface IngestWorkerData {
  input: string;
  options: NormalizeOptions;
  spoolPath: string;
}

const { input, options, spoolPath } = workerData as IngestWorkerData;
await serveStream(parentPort!, normalizeToSpool(input, options, spoolPath), (batch) => [batch.keys.buffer as ArrayBuffer]);
