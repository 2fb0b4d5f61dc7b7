import { parentPort, workerData } from 'node:worker_threads';
import { type ServeLimit, sendNote, serveStream } from '../worker/worker-stream.js';
import { type IngestBatch, normalizeRows, type NormalizeOptions } from './normalize-rows.js';

/** normalizeRows() in a worker thread; the typed columns are transferred, not copied. */
export interface IngestWorkerData {
  input: string;
  options: NormalizeOptions;
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

const { input, options } = workerData as IngestWorkerData;
// The columns chosen go back as a note (functions do not cross threads), before the first batch.
const reading: NormalizeOptions = { ...options, onColumns: (columns) => sendNote(parentPort!, columns) };
await serveStream(
  parentPort!,
  normalizeRows(input, reading),
  (batch) => [
    batch.keys.buffer as ArrayBuffer,
    batch.reasons.buffer as ArrayBuffer,
    ...(batch.sources ? [batch.sources.ends.buffer as ArrayBuffer] : []),
  ],
  CARRIED_AHEAD,
);
