import type { CountryCode } from 'libphonenumber-js/max';
import { readInput, type InputSource, type ReadInputOptions } from '../input/read-input.js';
import { normalizeNumber, toRegion } from '../normalize/normalize-number.js';
import { RowKind, SpoolWriter } from './spool.js';

export interface NormalizeOptions extends ReadInputOptions {
  country: CountryCode | undefined;
}

/** One batch of rows after normalization, in row order. */
export interface IngestBatch {
  /** Each row's number as a float64 key; 0 for a row without a valid number. */
  keys: Float64Array;
  /** Each row's phone text as it was. */
  inputs: string[];
  /** Why a row has no valid number; '' for rows that have one. */
  reasons: string[];
}

/**
 * Pass 1's per-row work, which needs no job state: read, normalize, and spool every row (its
 * number's digits, or why it has none). Yields each batch for the job to dedupe, look up, and
 * answer at once where it can. It runs in the job's thread or in a worker thread
 * (ingest-worker.ts), so it holds nothing but its batch.
 */
export async function* normalizeToSpool(input: InputSource, options: NormalizeOptions, spoolPath: string): AsyncGenerator<IngestBatch> {
  const spool = new SpoolWriter(spoolPath);
  try {
    for await (const batch of readInput(input, options)) {
      const keys = new Float64Array(batch.length);
      const inputs = new Array<string>(batch.length);
      const reasons = new Array<string>(batch.length).fill('');
      for (let i = 0; i < batch.length; i++) {
        const row = batch[i]!;
        inputs[i] = row.input;
        if (row.malformed !== undefined) {
          reasons[i] = 'malformed_row';
          spool.add(RowKind.INVALID, 'malformed_row', row.input);
          continue;
        }
        const normalized = normalizeNumber(row.input, toRegion(row.country) ?? options.country);
        if (!normalized.ok) {
          reasons[i] = normalized.reason;
          spool.add(RowKind.INVALID, normalized.reason, row.input);
          continue;
        }
        const digits = normalized.e164.slice(1);
        keys[i] = Number(digits);
        spool.add(RowKind.NUMBER, digits, row.input);
      }
      await spool.flush();
      yield { keys, inputs, reasons };
    }
  } finally {
    await spool.close();
  }
}
