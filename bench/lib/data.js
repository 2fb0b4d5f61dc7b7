// Benchmark inputs, made once from a seed and kept in bench/out/ (not committed).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSampleCsv } from '../../dist/sample/sample-list.js';

export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** A realistic messy list: mixed spellings, 10% duplicates, 3% junk, a country column. */
export async function sampleFile(rows, seed = 'bench', extra = {}) {
  mkdirSync(OUT, { recursive: true });
  const suffix = extra.e164Share !== undefined ? `-e164-${extra.e164Share}` : '';
  const path = join(OUT, `list-${seed}-${rows}${suffix}.csv`);
  if (!existsSync(path) || statSync(path).size === 0) await writeSampleCsv(path, { rows, seed, ...extra });
  return path;
}
