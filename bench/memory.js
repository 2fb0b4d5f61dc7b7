// Peak memory: a 10M-row job (warm, every number cached) and a 50M-unique dedupe, each in its
// own process. The job's figure comes from the warm benchmark's child.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './lib/child.js';
import { OUT, sampleFile, warmCacheFor } from './lib/data.js';
import { fmt, mb, table } from './lib/report.js';

const DEDUPE = fileURLToPath(new URL('./memory-child.js', import.meta.url));
const WARM = fileURLToPath(new URL('./warm-child.js', import.meta.url));

// npm run bench -- memory [rows] [unique]: the job on both shapes of list (see warm.js).
export async function run(args) {
  const rows = Number(args[0] ?? 10_000_000);
  const unique = Number(args[1] ?? 50_000_000);
  const jobs = [];
  for (const shape of ['mixed', 'crm']) {
    const file = await sampleFile(rows, 'bench', { shape });
    const cacheDir = await warmCacheFor(file, rows, shape);
    jobs.push([shape, await runChild(WARM, ['ours', file, cacheDir, join(OUT, `memory-out-${shape}-${rows}.csv`)])]);
  }
  const dedupe = await runChild(DEDUPE, [String(unique)]);
  table(
    'Peak memory (each in its own process)',
    ['what', 'size', 'peak RSS', 'notes'],
    [
      ...jobs.map(([shape, job]) => [
        `checkNumbers, warm, CSV out, ${shape} list`,
        `${fmt(rows)} rows`,
        mb(job.peakRss),
        `${fmt((job.rows / job.ms) * 1000)} rows/s`,
      ]),
      [
        'NumberTable dedupe',
        `${fmt(unique)} unique`,
        mb(dedupe.peakRss),
        `${(dedupe.tableBytes / unique).toFixed(1)} bytes/number in the table, ${fmt((unique / dedupe.ms) * 1000)} adds/s`,
      ],
    ],
  );
}
