import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { AWAIT_JOB } from '../worker/ingest-pool.js';
import { type ServeLimit, sendNote, serveStream } from '../worker/worker-stream.js';
import { type IngestBatch, normalizeRows, type NormalizeOptions, type RowShare } from './normalize-rows.js';
import { type TextColumnData, textColumnData, transferablesOf } from './text-column.js';

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
 * by size too, or 128 of them could hold ~500 MB. 16 MB is ~100K rows of 170 bytes, and more
 * than the bench's 128 batches of narrow rows, which stay as fast as before.
 */
const CARRIED_AHEAD: ServeLimit<IngestBatch> = { weigh: weightOf, maxAhead: 16 * 1024 * 1024 };

// This thread gives its batches' memory away (transferred, so detached here). V8 compiles typed
// array code on the promise that no memory was ever detached in the thread; the first transfer
// broke it and threw away the normalizer's compiled code (9 functions, `--trace-deopt`: "code
// dependencies") to be compiled again. Broken at once with an empty buffer, before anything is
// compiled, it costs nothing.
const spent = new ArrayBuffer(0);
structuredClone(spent, { transfer: [spent] });

// A prewarmed worker (ingest-pool.ts) has loaded its modules by now and gets its job first.
const job = (workerData === AWAIT_JOB ? (await once(parentPort!, 'message'))[0] : workerData) as IngestWorkerData;
const { input, options, share, itemsAhead } = job;
// The columns chosen go back as a note (functions do not cross threads), before the first batch;
// with several workers, each reads the whole file: the first one says it.
const reading: NormalizeOptions =
  (share?.index ?? 0) === 0 ? { ...options, onColumns: (columns) => sendNote(parentPort!, columns) } : options;
await serveStream(
  parentPort!,
  asBytes(normalizeRows(input, reading, share)),
  (batch) => [
    batch.keys.buffer as ArrayBuffer,
    batch.reasons.buffer as ArrayBuffer,
    ...transferablesOf(batch.inputs, batch.sources),
  ],
  itemsAhead,
  CARRIED_AHEAD,
);

/** Each batch's texts as UTF-8 bytes, transferred rather than copied (see text-column.ts). */
async function* asBytes(batches: AsyncIterable<IngestBatch>): AsyncGenerator<IngestBatch> {
  for await (const batch of batches) {
    const { inputs, sources } = batch;
    yield {
      ...batch,
      inputs: Array.isArray(inputs) ? textColumnData(inputs) : inputs,
      sources: Array.isArray(sources) ? textColumnData(sources) : sources,
    };
  }
}

/** A batch's bytes: its texts (a memory two columns share counted once) and ~24 bytes a row besides. */
function weightOf(batch: IngestBatch): number {
  const { inputs, sources } = batch;
  const shared = !Array.isArray(inputs) && !Array.isArray(sources) && sources?.bytes === inputs.bytes;
  return textWeight(sources) + (shared ? 0 : textWeight(inputs)) + 24 * batch.keys.length;
}

function textWeight(texts: TextColumnData | undefined): number {
  if (texts === undefined) return 0;
  if (!Array.isArray(texts)) return texts.bytes.length;
  let length = 0;
  for (const text of texts) length += text.length;
  return length;
}
