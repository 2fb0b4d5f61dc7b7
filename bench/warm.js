// Warm run end to end: every number already cached. Our job vs the naive pipeline, each in its
// own process, on the same file and the same LevelDB cache, for both shapes of list: the
// generator's mixed lists and lists shaped like real CRM exports. Ours is timed twice: inside
// its process (the pipeline) and as the whole `wa-check check ... -o out.csv` command, start-up
// included, which is what a user waits for (the median of three runs; all three are printed).
// The naive pipeline's whole process is timed too.
//
// npm run bench -- warm                    -> mixed at 1M and 10M rows, crm at 2M and 10M
// npm run bench -- warm 2000000 crm        -> crm at 2M rows only (sizes and shapes in any order)
// npm run bench -- warm 2000000 crm threads=1,2 -> the command once per --threads value
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild, runWhole } from './lib/child.js';
import { OUT, sampleFile, warmCacheFor } from './lib/data.js';
import { fmt, mb, table } from './lib/report.js';

const CHILD = fileURLToPath(new URL('./warm-child.js', import.meta.url));
const CLI = fileURLToPath(new URL('../bin/wa-check.js', import.meta.url));
/** Runs of the whole command per row of the table (its median is shown). */
const WHOLE_RUNS = 3;
const SHAPES = { mixed: [1_000_000, 10_000_000], crm: [2_000_000, 10_000_000] };

export async function run(args) {
  const threadsArg = args.find((arg) => arg.startsWith('threads='));
  const threadCounts = threadsArg ? threadsArg.slice('threads='.length).split(',') : [undefined];
  const named = args.filter((arg) => arg in SHAPES);
  const sizes = args.filter((arg) => !(arg in SHAPES) && arg !== threadsArg).map(Number);
  const rows = [];
  const notes = [];
  for (const shape of named.length ? named : Object.keys(SHAPES)) {
    for (const size of sizes.length ? sizes : SHAPES[shape]) {
      const file = await sampleFile(size, 'bench', { shape });
      const cacheDir = await warmCacheFor(file, size, shape);
      const out = (who) => join(OUT, `warm-${who}-${shape}-${size}.csv`);
      const ours = await runChild(CHILD, ['ours', file, cacheDir, out('ours')]);
      const clis = [];
      for (const threads of threadCounts) {
        const flags = threads === undefined ? [] : ['--threads', threads];
        const command = ['check', file, '--cache', cacheDir, '--dry-run', '--no-progress', ...flags, '-o', out('cli')];
        // The command is run WHOLE_RUNS times and its median run shown: one run of ~2 s on a shared
        // VM moves by 10-20% with its neighbours (the naive pipeline's minute evens that out).
        const runs = [];
        for (let run = 0; run < WHOLE_RUNS; run++) runs.push(await runWhole(CLI, command));
        runs.sort((a, b) => a.wallMs - b.wallMs);
        notes.push(
          `${fmt(size)} ${shape}, wa-check check${threads === undefined ? '' : ` --threads ${threads}`}: ` +
            `${runs.map((run) => `${(run.wallMs / 1000).toFixed(2)} s`).join(', ')} (the median shown)`,
        );
        clis.push([threads, runs[Math.floor(runs.length / 2)]]);
      }
      const naive = await runChild(CHILD, ['naive', file, cacheDir, out('naive')]);
      const rate = (ms) => (size / ms) * 1000;
      const vs = (ms, naiveMs) => `${(naiveMs / ms).toFixed(1)}x`;
      const line = (pipeline, inProcessMs, result) => [
        fmt(size),
        shape,
        pipeline,
        inProcessMs === undefined ? '' : fmt(rate(inProcessMs)),
        fmt(rate(result.wallMs)),
        (result.cpuMs / 1000).toFixed(1),
        mb(result.peakRss),
        inProcessMs === undefined ? '' : vs(inProcessMs, naive.ms),
        vs(result.wallMs, naive.wallMs),
      ];
      rows.push(line('wa-bulk-checker, checkNumbers()', ours.ms, ours));
      for (const [threads, cli] of clis) {
        const flag = threads === undefined ? '' : ` --threads ${threads}`;
        rows.push(line(`wa-bulk-checker, wa-check check${flag} -o out.csv`, undefined, cli));
      }
      rows.push(line('naive (fast-csv, libphonenumber, Set, getMany 1,000)', naive.ms, naive));
    }
  }
  table(
    'Warm run, every number cached (rows/s, higher is better; whole process: from spawn to exit)',
    [
      'rows',
      'list',
      'pipeline',
      'rows/s in process',
      'rows/s whole process',
      'CPU s',
      'peak RSS',
      'vs naive in process',
      'vs naive whole process',
    ],
    rows,
  );
  console.log(`\nWhole-command runs, fastest first: ${notes.join('; ')}.`);
}
