// Warm run end to end: every number already cached. Our job vs the naive pipeline, each in its
// own process, on the same file and the same LevelDB cache.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './lib/child.js';
import { OUT, sampleFile, warmCacheFor } from './lib/data.js';
import { fmt, mb, table } from './lib/report.js';

const CHILD = fileURLToPath(new URL('./warm-child.js', import.meta.url));

export async function run(args) {
  const sizes = args.length ? args.map(Number) : [1_000_000, 10_000_000];
  const rows = [];
  for (const size of sizes) {
    const file = await sampleFile(size);
    const cacheDir = await warmCacheFor(file, size);
    const ours = await runChild(CHILD, ['ours', file, cacheDir, join(OUT, `warm-ours-${size}.csv`)]);
    const naive = await runChild(CHILD, ['naive', file, cacheDir, join(OUT, `warm-naive-${size}.csv`)]);
    const oursRate = (ours.rows / ours.ms) * 1000;
    const naiveRate = (naive.rows / naive.ms) * 1000;
    rows.push([fmt(size), 'wa-bulk-checker', fmt(oursRate), mb(ours.peakRss), `${(oursRate / naiveRate).toFixed(1)}x`]);
    rows.push([
      fmt(size),
      'naive (fast-csv, libphonenumber, Set, getMany 1,000)',
      fmt(naiveRate),
      mb(naive.peakRss),
      '1.0x',
    ]);
  }
  table(
    'Warm run, every number cached (rows/s, higher is better)',
    ['rows', 'pipeline', 'rows/s', 'peak RSS', 'vs naive'],
    rows,
  );
}
