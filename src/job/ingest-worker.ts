import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { AWAIT_JOB } from '../worker/ingest-pool.js';
import { type ServeLimit, sendNote, serveStream } from '../worker/worker-stream.js';
import { type IngestBatch, normalizeRows, type NormalizeOptions, type RowShare } from './normalize-rows.js';

/** normalizeRows() in a worker thread; the typed columns are transferred, not copied. */
export interface IngestWorkerData {
  input: string;
  options: NormalizeOptions;
  /** This worker's slices of the rows, when several share the file. */
  share?: RowShare | undefined;
  /** Batches this worker may run ahead of the job (the default window when alone). */
  itemsAhead?: number | undefined;
}

/**
 * Rows with their cells may be wide (a kilobyte of CRM fields): the batches sent ahead are held
 * by size too, or 128 of them could hold ~500 MB. 16M characters is ~100K rows of 170 characters,
 * and more than the bench's 128 batches of narrow rows, which stay as fast as before.
 */
const CARRIED_AHEAD: ServeLimit<IngestBatch> = {
  weigh: (batch) => batch.sources?.text.length ?? 0,
  maxAhead: 16 * 1024 * 1024,
};

// A prewarmed worker (ingest-pool.ts) has loaded its modules by now and gets its job first.
const job = (workerData === AWAIT_JOB ? (await once(parentPort!, 'message'))[0] : workerData) as IngestWorkerData;
const { input, options, share, itemsAhead } = job;
// The columns chosen go back as a note (functions do not cross threads), before the first batch;
// with several workers, each reads the whole file: the first one says it.
const reading: NormalizeOptions =
  (share?.index ?? 0) === 0 ? { ...options, onColumns: (columns) => sendNote(parentPort!, columns) } : options;
await serveStream(
  parentPort!,
  normalizeRows(input, reading, share),
  (batch) => [
    batch.keys.buffer as ArrayBuffer,
    batch.reasons.buffer as ArrayBuffer,
    ...(batch.sources ? [batch.sources.ends.buffer as ArrayBuffer] : []),
  ],
  itemsAhead,
  CARRIED_AHEAD,
);
