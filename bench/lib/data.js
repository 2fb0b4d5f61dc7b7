// Benchmark inputs, made once from a seed and kept in bench/out/ (not committed).
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSampleCsv } from '../../dist/sample/sample-list.js';
import { runChild } from './child.js';

export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');
mkdirSync(OUT, { recursive: true });

/**
 * A realistic messy list with a country column. `extra.shape`: 'mixed' (the default: 35% E.164,
 * 10% duplicates, 3% junk) or 'crm' (shaped like real CRM exports: ~80% unique, 80% not E.164,
 * 1.5% junk); see src/sample/sample-list.ts.
 */
export async function sampleFile(rows, seed = 'bench', extra = {}) {
  let suffix = extra.e164Share !== undefined ? `-e164-${extra.e164Share}` : '';
  if (extra.shape && extra.shape !== 'mixed') suffix += `-${extra.shape}`;
  const path = join(OUT, `list-${seed}-${rows}${suffix}.csv`);
  if (!existsSync(path) || statSync(path).size === 0) await writeSampleCsv(path, { rows, seed, ...extra });
  return path;
}

/** A cache folder where every valid number of `file` is answered, made once by a child process. */
export async function warmCacheFor(file, rows, shape = 'mixed') {
  const cacheDir = join(OUT, shape === 'mixed' ? `warm-cache-${rows}` : `warm-cache-${shape}-${rows}`);
  // v3: prefilled since answer-log records carry a checksum; an older cache would rebuild its log in the timed run.
  if (!existsSync(join(cacheDir, 'prefilled-v3'))) {
    rmSync(cacheDir, { recursive: true, force: true });
    await runChild(join(dirname(fileURLToPath(import.meta.url)), '..', 'warm-child.js'), ['prefill', file, cacheDir]);
    writeFileSync(join(cacheDir, 'prefilled-v3'), 'yes');
  }
  return cacheDir;
}
