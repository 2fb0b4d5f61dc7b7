import type { CountryCode } from 'libphonenumber-js/max';
import { readInput, type InputSource, type ReadInputOptions } from '../input/read-input.js';
import { normalizeNumber, toRegion } from '../normalize/normalize-number.js';
import { RowKind, SpoolWriter } from './spool.js';

export interface NormalizeOptions extends ReadInputOptions {
  country: CountryCode | undefined;
}

/**
 * Pass 1's per-row work, which needs no job state: read, normalize, and spool every row (its
 * number's digits, or why it has none). Yields each batch's numbers as float64 keys in row
 * order, 0 for a row without a valid number, for the job to dedupe and look up. It runs in the
 * job's thread or in a worker thread (ingest-worker.ts), so it holds nothing but its batch.
 */
export async function* normalizeToSpool(input: InputSource, options: NormalizeOptions, spoolPath: string): AsyncGenerator<Float64Array> {
  const spool = new SpoolWriter(spoolPath);
  try {
    for await (const batch of readInput(input, options)) {
      const keys = new Float64Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const row = batch[i]!;
        if (row.malformed !== undefined) {
          spool.add(RowKind.INVALID, 'malformed_row', row.input);
          continue;
        }
        const normalized = normalizeNumber(row.input, toRegion(row.country) ?? options.country);
        if (!normalized.ok) {
          spool.add(RowKind.INVALID, normalized.reason, row.input);
          continue;
        }
        const digits = normalized.e164.slice(1);
        keys[i] = Number(digits);
        spool.add(RowKind.NUMBER, digits, row.input);
      }
      await spool.flush();
      yield keys;
    }
  } finally {
    await spool.close();
  }
}
