// The fleet on Redis (`--cache redis://`): a warm run on the shared Redis cache next to the same
// job on LevelDB, in one run; and a cold run of three workers sharing the provider's task slots,
// against the ideal wall time (numbers / (slots x rate)). Starts its own redis-server (AOF,
// fsync always) and simulator process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulatorProcess } from './cold.js';
import { runChild } from './lib/child.js';
import { PROVIDER, SCALE, simulatorArgs } from './lib/provider-shape.js';
import { OUT, sampleFile, warmCacheFor } from './lib/data.js';
import { fmt, mb, table } from './lib/report.js';
import { startServer } from './redis.js';

const WARM_CHILD = fileURLToPath(new URL('./warm-child.js', import.meta.url));
const FLEET_CHILD = fileURLToPath(new URL('./fleet-child.js', import.meta.url));
const WORKERS = 3;

/** `npm run bench -- fleet [warm rows] [cold numbers]` (defaults 1M and 300k). */
export async function run(args) {
  const warmRows = Number(args[0] ?? 1_000_000);
  const coldNumbers = Number(args[1] ?? 300_000);
  const server = await startServer();
  try {
    await warm(warmRows, server.url);
    // Its own database: none of the warm run's answers may make the cold run warm.
    await cold(coldNumbers, server.url.replace(/\/0$/, '/1'));
  } finally {
    await server.stop();
  }
}

async function warm(size, redisUrl) {
  const file = await sampleFile(size);
  const cacheDir = await warmCacheFor(file, size);
  await runChild(WARM_CHILD, ['prefill-redis', file, redisUrl]);
  const level = await runChild(WARM_CHILD, ['ours', file, cacheDir, join(OUT, `fleet-warm-level-${size}.csv`)]);
  const redis = await runChild(WARM_CHILD, ['ours-redis', file, redisUrl, join(OUT, `fleet-warm-redis-${size}.csv`)]);
  const rate = (run) => (run.rows / run.ms) * 1000;
  table(
    `Warm run, ${fmt(size)} rows, every number cached (rows/s, higher is better)`,
    ['cache', 'rows/s', 'peak RSS', 'vs LevelDB'],
    [
      ['LevelDB folder (--cache <dir>)', fmt(rate(level)), mb(level.peakRss), '100%'],
      [
        'Redis (--cache redis://, AOF fsync always)',
        fmt(rate(redis)),
        mb(redis.peakRss),
        `${Math.round((rate(redis) / rate(level)) * 100)}%`,
      ],
    ],
  );
}

async function cold(unique, redisUrl) {
  const perWorker = Math.ceil(unique / WORKERS);
  const files = Array.from({ length: WORKERS }, (_, w) => {
    const file = join(OUT, `fleet-cold-${unique}-${w}.csv`);
    let text = 'phone\n';
    for (let i = w * perWorker; i < Math.min(unique, (w + 1) * perWorker); i++)
      text += `+4176${String(i).padStart(7, '0')}\n`;
    writeFileSync(file, text);
    return file;
  });
  const sim = await startSimulatorProcess(simulatorArgs('bench-key'));
  try {
    const started = Date.now();
    const runs = await Promise.all(
      files.map((file) => runChild(FLEET_CHILD, [file, redisUrl, sim.url, String(SCALE)])),
    );
    const ms = Date.now() - started;
    const ledger = await (await fetch(`${sim.url}/__admin/ledger`)).json();
    const idealMs = (unique / (PROVIDER.slotsPerKey * PROVIDER.numbersPerSecond * SCALE)) * 1000;
    table(
      `Cold run: ${fmt(unique)} new numbers in ${WORKERS} workers (one Redis, ${PROVIDER.slotsPerKey} shared slots), provider shape at ${SCALE}x speed`,
      ['measure', 'fleet', 'reference'],
      [
        [
          'wall time (scaled s)',
          (ms / 1000).toFixed(2),
          `${(idealMs / 1000).toFixed(2)} ideal (numbers / (slots x rate))`,
        ],
        ['wall time / ideal', (ms / idealMs).toFixed(3), '1.000'],
        ['tasks', fmt(ledger.tasksCreated), `${PROVIDER.slotsPerKey} slots`],
        ['numbers charged / unique', (ledger.numbersCharged / unique).toFixed(3), '1.000'],
        ['numbers charged twice', fmt(Object.keys(ledger.doubleCharged).length), '0'],
        ['answered', fmt(runs.reduce((sum, run) => sum + run.answered, 0)), fmt(unique)],
      ],
    );
  } finally {
    sim.child.kill('SIGTERM');
  }
}
