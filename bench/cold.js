// Cold run against the simulator with the provider's real shape at accelerated time: every
// duration divided by SCALE (12 numbers/s per task -> 720/s, a 2-minute export step -> 2 s).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNumbers, startSimulator, writeResults } from '../dist/index.js';
import { OUT } from './lib/data.js';
import { fmt, table, timed } from './lib/report.js';

const SCALE = 120;
const PROVIDER = { numbersPerSecond: 12, slotsPerKey: 5, queueDelayMs: 1000, exportDelayMs: 120_000 };

export async function run(args) {
  const unique = Number(args[0] ?? 1_000_000);
  const file = join(OUT, `cold-${unique}.csv`);
  let text = 'phone\n';
  for (let i = 0; i < unique; i++) text += `+4178${String(i).padStart(7, '0')}\n`;
  writeFileSync(file, text);
  const cacheDir = join(OUT, 'cold-cache');
  rmSync(cacheDir, { recursive: true, force: true });

  const sim = await startSimulator({
    numbersPerSecond: PROVIDER.numbersPerSecond * SCALE,
    slotsPerKey: PROVIDER.slotsPerKey,
    queueDelayMs: PROVIDER.queueDelayMs / SCALE,
    exportDelayMs: PROVIDER.exportDelayMs / SCALE,
    rateLimit: { requests: 60 * SCALE, windowMs: 60_000 },
  });
  try {
    const job = checkNumbers(file, {
      cacheDir,
      client: {
        apiUrl: sim.url,
        apiKey: sim.apiKey,
        userId: 'bench',
        // The client's own defaults (2 s floor, 120 s ceiling, 5 s notice) at the same scale.
        poll: { floorMs: 2000 / SCALE, ceilingMs: 120_000 / SCALE, noticeFloorMs: 5000 / SCALE },
      },
    });
    const { ms } = await timed(() => writeResults(job.batches(), 'csv', join(OUT, 'cold-out.csv')));
    const summary = await job.summary;
    const ledger = sim.ledger.snapshot();
    const idealMs = (unique / (PROVIDER.slotsPerKey * PROVIDER.numbersPerSecond * SCALE)) * 1000;
    const naiveReads = Math.ceil(unique / PROVIDER.slotsPerKey / PROVIDER.numbersPerSecond / 5);
    table(`Cold run: ${fmt(unique)} new numbers, provider shape at ${SCALE}x speed`, ['measure', 'wa-bulk-checker', 'reference'], [
      ['wall time (scaled s)', (ms / 1000).toFixed(2), `${(idealMs / 1000).toFixed(2)} ideal (numbers / (slots x rate))`],
      ['wall time / ideal', (ms / idealMs).toFixed(3), '1.000'],
      ['tasks', fmt(ledger.tasksCreated), `${PROVIDER.slotsPerKey} slots`],
      ['status reads per task', (ledger.statusReads / ledger.tasksCreated).toFixed(1), `${fmt(naiveReads)} polling every 5 s (computed)`],
      ['numbers charged / unique uncached', (ledger.numbersCharged / unique).toFixed(3), '1.000'],
      ['numbers charged twice', fmt(Object.keys(ledger.doubleCharged).length), '0'],
      ['answered', fmt(summary.answeredByApi), fmt(unique)],
    ]);
  } finally {
    await sim.close();
  }
}
