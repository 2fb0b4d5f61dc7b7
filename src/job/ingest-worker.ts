import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { AWAIT_JOB } from '../worker/ingest-pool.js';
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

// A prewarmed worker (ingest-pool.ts) has loaded its modules by now and gets its job first.
const job = (workerData === AWAIT_JOB ? (await once(parentPort!, 'message'))[0] : workerData) as IngestWorkerData;
const { input, options, share, itemsAhead } = job;
await serveStream(
  parentPort!,
  normalizeRows(input, options, share),
  (batch) => [batch.keys.buffer as ArrayBuffer, batch.reasons.buffer as ArrayBuffer],
  itemsAhead,
);
