// Peak memory: a 10M-row job (warm, every number cached) and a 50M-unique dedupe, each in its
// own process. The job's figure comes from the warm benchmark's child.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './lib/child.js';
import { OUT, sampleFile, warmCacheFor } from './lib/data.js';
import { fmt, mb, table } from './lib/report.js';

const DEDUPE = fileURLToPath(new URL('./memory-child.js', import.meta.url));
const WARM = fileURLToPath(new URL('./warm-child.js', import.meta.url));

export async function run(args) {
  const rows = Number(args[0] ?? 10_000_000);
  const unique = Number(args[1] ?? 50_000_000);
  const file = await sampleFile(rows);
  const cacheDir = await warmCacheFor(file, rows);
  const job = await runChild(WARM, ['ours', file, cacheDir, join(OUT, `memory-out-${rows}.csv`)]);
  const dedupe = await runChild(DEDUPE, [String(unique)]);
  table(
    'Peak memory (each in its own process)',
    ['what', 'size', 'peak RSS', 'notes'],
    [
      [
        `checkNumbers, warm, CSV out`,
        `${fmt(rows)} rows`,
        mb(job.peakRss),
        `${fmt((job.rows / job.ms) * 1000)} rows/s`,
      ],
      [
        'NumberTable dedupe',
        `${fmt(unique)} unique`,
        mb(dedupe.peakRss),
        `${(dedupe.tableBytes / unique).toFixed(1)} bytes/number in the table, ${fmt((unique / dedupe.ms) * 1000)} adds/s`,
      ],
    ],
  );
}
