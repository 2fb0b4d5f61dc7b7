import type { CountryCode } from 'libphonenumber-js/max';
import { INVALID_REASONS } from './answer-state.js';
import { type InputRow, readInput, type InputSource, type ReadInputOptions } from '../input/read-input.js';
import { BATCH_ROWS } from '../input/tabular.js';
import { LAST_REASON_CODE, normalizeToKey, reasonOfCode, toRegion } from '../normalize/normalize-number.js';
import type { TextColumnData } from './text-column.js';

export interface NormalizeOptions extends ReadInputOptions {
  country: CountryCode | undefined;
}

const REASON_CODES = new Map<string, number>(INVALID_REASONS.map((reason, code) => [reason, code]));
/** INVALID_REASONS' code of each of normalizeToKey's negative answers, by minus the answer. */
const REASON_OF_KEY_CODE = Uint8Array.from({ length: 1 - LAST_REASON_CODE }, (_, code) =>
  code === 0 ? 0 : REASON_CODES.get(reasonOfCode(-code))!,
);

/** One batch of rows after normalization, in row order. */
export interface IngestBatch {
  /** Each row's number as a float64 key; NO_NUMBER (0) for a row without a valid number. */
  keys: Float64Array;
  /** Each row's phone text as it was (strings here; UTF-8 bytes from the input worker, see text-column.ts). */
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
  const batchOf = (rows: readonly InputRow[]): IngestBatch => {
    const { names } = carried;
    const sourceColumns: string[] | undefined = names && !namesSent ? names : undefined;
    namesSent ||= sourceColumns !== undefined;
    return { ...normalizeBatch(rows, options.country, names !== undefined), sourceColumns };
  };
  if (share.of === 1) {
    for await (const batch of readInput(input, reading)) yield batchOf(batch);
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
    if (row.malformed !== undefined) {
      reasons[i] = REASON_CODES.get('malformed_row')!;
      continue;
    }
    if (row.unknownCountry !== undefined) {
      reasons[i] = REASON_CODES.get('unknown_country')!;
      continue;
    }
    // The key straight from the digits: no E.164 string nor result object per row.
    const key = normalizeToKey(row.input, toRegion(row.country) ?? country);
    if (key > 0) keys[i] = key;
    else reasons[i] = REASON_OF_KEY_CODE[-key]!;
  }
  return { keys, inputs, reasons, sources };
}
