import type { CountryCode } from 'libphonenumber-js/max';
import { CountryNames } from '../input/country-names.js';
import {
  type InputBatch,
  type InputRow,
  type InputSource,
  type ReadInputOptions,
  readInputBatches,
} from '../input/read-input.js';
import { BATCH_ROWS, spanBatchRange } from '../input/tabular.js';
import type { IngestBatch } from './ingest-batch.js';
import { joinBatches } from './join-batches.js';
import { normalizeSpans } from './normalize-spans.js';
import { answerRow } from './row-answer.js';

export interface NormalizeOptions extends ReadInputOptions {
  country: CountryCode | undefined;
}

export type { IngestBatch } from './ingest-batch.js';

/**
 * Which rows one of several workers sharing a file normalizes: slice `s` (rows `s * SHARE_ROWS`
 * to the next) when `s % of === index`. Every worker reads the whole file (reading is the small
 * part of the work, and so quoted line breaks, row numbers and the columns chosen stay exactly
 * those of one reader); the consumer takes the slices round-robin, in input order.
 */
export interface RowShare {
  index: number;
  of: number;
}

/** Rows per slice of a RowShare: the size of a batch, so each slice is one batch. */
export const SHARE_ROWS = BATCH_ROWS;

/**
 * Pass 1's per-row work, which needs no job state: read and normalize every row (or, with a
 * `share`, the rows of this worker's slices). Yields each batch for the job to dedupe, answer at
 * once where it can, and spool. It runs in the job's thread or in worker threads
 * (ingest-worker.ts), so it holds nothing but its batch.
 */
export async function* normalizeRows(
  input: InputSource,
  options: NormalizeOptions,
  share: RowShare = { index: 0, of: 1 },
): AsyncGenerator<IngestBatch> {
  // Set by the reader once it has chosen the columns, before the first row it yields.
  const carried: { names?: string[] } = {};
  let namesSent = false;
  const reading = { ...options, onSourceColumns: (names: string[]) => (carried.names = names) };
  /** The carried columns' names, on the first batch after the reader chose them. */
  const sourceColumnsOnce = (): string[] | undefined => {
    const { names } = carried;
    const sourceColumns: string[] | undefined = names && !namesSent ? names : undefined;
    namesSent ||= sourceColumns !== undefined;
    return sourceColumns;
  };
  const batchOf = (rows: readonly InputRow[]): IngestBatch => {
    const sourceColumns = sourceColumnsOnce();
    return { ...normalizeBatch(rows, options.country, carried.names !== undefined), sourceColumns };
  };
  // A file's rows as positions once its columns are known (normalize-spans.ts), unless told not to.
  const countries = new CountryNames();
  const normalized = (batch: InputBatch): IngestBatch =>
    Array.isArray(batch)
      ? batchOf(batch)
      : { ...normalizeSpans(batch, options.country, countries), sourceColumns: sourceColumnsOnce() };
  const batches = readInputBatches(input, { ...reading, rowSpans: options.rowSpans ?? true });
  if (share.of === 1) {
    for await (const batch of batches) yield normalized(batch);
    return;
  }
  // This worker's slices of SHARE_ROWS rows, by row number: a slice may begin in one batch of the
  // reader and end in the next (their sizes follow the text), and is sent whole, as one batch.
  let row = 0;
  let slice: IngestBatch[] = [];
  for await (const batch of batches) {
    const count = Array.isArray(batch) ? batch.length : batch.spans.count;
    for (let at = 0; at < count; ) {
      const sliceIndex = Math.floor((row + at) / SHARE_ROWS);
      const sliceEnd = (sliceIndex + 1) * SHARE_ROWS - row;
      const end = Math.min(count, sliceEnd);
      if (sliceIndex % share.of === share.index) {
        slice.push(normalized(Array.isArray(batch) ? batch.slice(at, end) : spanBatchRange(batch, at, end)));
        if (end === sliceEnd) {
          yield joinBatches(slice);
          slice = [];
        }
      }
      at = end;
    }
    row += count;
  }
  if (slice.length > 0) yield joinBatches(slice);
}

/** One batch's rows normalized; with `carry`, each row's other cells go along (one string a row). */
function normalizeBatch(batch: readonly InputRow[], country: CountryCode | undefined, carry: boolean): IngestBatch {
  const keys = new Float64Array(batch.length);
  const inputs = new Array<string>(batch.length);
  const reasons = new Uint8Array(batch.length);
  const sources = carry ? new Array<string>(batch.length) : undefined;
  for (let i = 0; i < batch.length; i++) {
    const row = batch[i]!;
    inputs[i] = row.input;
    if (sources) sources[i] = row.source ?? '';
    answerRow(keys, reasons, i, row, country);
  }
  return { keys, inputs, reasons, sources };
}
