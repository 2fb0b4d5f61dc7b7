import { parentPort, workerData } from 'node:worker_threads';
import { serveStream } from '../worker/worker-stream.js';
import { normalizeRows, type NormalizeOptions, type RowShare } from './normalize-rows.js';

/** normalizeRows() in a worker thread; the typed columns are transferred, not copied. */
export interface IngestWorkerData {
  input: string;
  options: NormalizeOptions;
  /** This worker's slices of the rows, when several share the file. */
  share?: RowShare | undefined;
  /** Batches this worker may run ahead of the job (the default window when alone). */
  itemsAhead?: number | undefined;
}

const { input, options, share, itemsAhead } = workerData as IngestWorkerData;
await serveStream(
  parentPort!,
  normalizeRows(input, options, share),
  (batch) => [batch.keys.buffer as ArrayBuffer, batch.reasons.buffer as ArrayBuffer],
  itemsAhead,
);
