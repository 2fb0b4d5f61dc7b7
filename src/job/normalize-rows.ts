import type { CountryCode } from 'libphonenumber-js/max';
import { CountryNames } from '../input/country-names.js';
import {
  type InputBatch,
  type InputRow,
  type InputSource,
  type ReadInputOptions,
  readInput,
  readInputBatches,
} from '../input/read-input.js';
import { normalizeSpans } from './normalize-spans.js';
import { answerRow } from './row-answer.js';
import { BATCH_ROWS } from '../input/tabular.js';
import type { TextColumnData } from './text-column.js';

export interface NormalizeOptions extends ReadInputOptions {
  country: CountryCode | undefined;
}

/** One batch of rows after normalization, in row order. */
export interface IngestBatch {
  /** Each row's number as a float64 key; NO_NUMBER (0) for a row without a valid number. */
  keys: Float64Array;
  /** Each row's phone text as it was: strings, or UTF-8 bytes (a file's rows as positions, and all from the input worker; see text-column.ts). */
  inputs: TextColumnData;
  /** Why a row has no valid number: an index into INVALID_REASONS (typed, so it moves between threads as bytes). */
  reasons: Uint8Array;
  /** With carryColumns: each row's cells as one source record (input/source-record.ts). */
  sources?: TextColumnData | undefined;
  /** The carried columns' names, on the first batch that carries them. */
  sourceColumns?: string[] | undefined;
}

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
  if (share.of === 1) {
    // A file's rows as positions once its columns are known (normalize-spans.ts), unless told not to.
    const countries = new CountryNames();
    const batches: AsyncIterable<InputBatch> = readInputBatches(input, {
      ...reading,
      rowSpans: options.rowSpans ?? true,
    });
    for await (const batch of batches) {
      if (Array.isArray(batch)) yield batchOf(batch);
      else yield { ...normalizeSpans(batch, options.country, countries), sourceColumns: sourceColumnsOnce() };
    }
    return;
  }
  let row = 0;
  let mine: InputRow[] = [];
  for await (const batch of readInput(input, reading)) {
    for (let i = 0; i < batch.length; i++, row++) {
      if (Math.floor(row / SHARE_ROWS) % share.of !== share.index) continue;
      mine.push(batch[i]!);
      if (mine.length === SHARE_ROWS) {
        yield batchOf(mine);
        mine = [];
      }
    }
  }
  if (mine.length > 0) yield batchOf(mine);
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
