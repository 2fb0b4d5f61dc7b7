import { parentPort, workerData } from 'node:worker_threads';
import { sendNote, serveStream } from '../worker/worker-stream.js';
import { normalizeRows, type NormalizeOptions } from './normalize-rows.js';

/** normalizeRows() in a worker thread; the typed columns are transferred, not copied. */
export interface IngestWorkerData {
  input: string;
  options: NormalizeOptions;
}

const { input, options } = workerData as IngestWorkerData;
// The columns chosen go back as a note (functions do not cross threads), before the first batch.
const reading: NormalizeOptions = { ...options, onColumns: (columns) => sendNote(parentPort!, columns) };
await serveStream(parentPort!, normalizeRows(input, reading), (batch) => [
  batch.keys.buffer as ArrayBuffer,
  batch.reasons.buffer as ArrayBuffer,
  ...(batch.sources ? [batch.sources.ends.buffer as ArrayBuffer] : []),
]);
