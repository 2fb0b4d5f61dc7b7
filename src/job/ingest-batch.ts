import type { TextColumnData } from './text-column.js';

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
