import type { CountryCode } from 'libphonenumber-js/max';
import { e164ToKey } from '../dedupe/number-table.js';
import { readInput, type InputSource, type ReadInputOptions } from '../input/read-input.js';
import { normalizeNumber, toRegion, type InvalidReason } from '../normalize/normalize-number.js';
import { type SourceRecordsData, sourceRecordsData } from './source-records.js';

export interface NormalizeOptions extends ReadInputOptions {
  country: CountryCode | undefined;
}

/** Why a row has no valid number, by code (index); 0 for rows that have one. */
export const INVALID_REASONS = [
  '',
  'malformed_row',
  'empty',
  'not_a_phone_number',
  'invalid_number',
  'needs_country',
  'unknown_country',
] as const;
const REASON_CODES = new Map<string, number>(INVALID_REASONS.map((reason, code) => [reason, code]));

/** One batch of rows after normalization, in row order. */
export interface IngestBatch {
  /** Each row's number as a float64 key; NO_NUMBER (0) for a row without a valid number. */
  keys: Float64Array;
  /** Each row's phone text as it was. */
  inputs: string[];
  /** Why a row has no valid number: an index into INVALID_REASONS (typed, so it moves between threads as bytes). */
  reasons: Uint8Array;
  /** With carryColumns: each row's cells as one source record (input/source-record.ts), joined. */
  sources?: SourceRecordsData | undefined;
  /** The carried columns' names, on the first batch that carries them. */
  sourceColumns?: string[] | undefined;
}

/**
 * Pass 1's per-row work, which needs no job state: read and normalize every row. Yields each
 * batch for the job to dedupe, answer at once where it can, and spool. It runs in the job's
 * thread or in a worker thread (ingest-worker.ts), so it holds nothing but its batch.
 */
export async function* normalizeRows(input: InputSource, options: NormalizeOptions): AsyncGenerator<IngestBatch> {
  // Set by the reader once it has chosen the columns, before the first row it yields.
  const carried: { names?: string[] } = {};
  let namesSent = false;
  const reading = { ...options, onSourceColumns: (names: string[]) => (carried.names = names) };
  for await (const batch of readInput(input, reading)) {
    const keys = new Float64Array(batch.length);
    const inputs = new Array<string>(batch.length);
    const reasons = new Uint8Array(batch.length);
    const { names } = carried;
    const sources = names ? new Array<string>(batch.length) : undefined;
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
      const normalized = normalizeNumber(row.input, toRegion(row.country) ?? options.country);
      if (normalized.ok) keys[i] = e164ToKey(normalized.e164);
      else reasons[i] = REASON_CODES.get(normalized.reason satisfies InvalidReason)!;
    }
    const sourceColumns: string[] | undefined = names && !namesSent ? names : undefined;
    namesSent ||= sourceColumns !== undefined;
    yield { keys, inputs, reasons, sources: sources && sourceRecordsData(sources), sourceColumns };
  }
}
