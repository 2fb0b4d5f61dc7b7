// Cold run against the simulator with the provider's real shape at accelerated time: every
// duration divided by SCALE (12 numbers/s per task -> 1,440/s, a 2-minute export step -> 1 s).
// The simulator runs in its own process, as the provider runs on its own machines: building
// result files must not be charged to the client's core.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkNumbers, writeResults } from '../dist/index.js';
import { PROVIDER, SCALE, simulatorArgs } from './lib/provider-shape.js';
import { OUT } from './lib/data.js';
import { ColdTrace } from './lib/cold-trace.js';
import { fmt, table, timed } from './lib/report.js';

const CLI = fileURLToPath(new URL('../bin/wa-check.js', import.meta.url));

export async function run(argv) {
  // `--api v1` (and `--product ws_active`) run the same job against the provider's v1 API.
  const { api, product, args } = dialectArgs(argv);
  const unique = Number(args[0] ?? 1_000_000);
  // An optional largest task size: small tasks in several rounds, where the export step is long
  // next to a task (the case learning the export time is for).
  const maxTaskSize = args[1] ? Number(args[1]) : undefined;
  const file = join(OUT, `cold-${unique}.csv`);
  let text = 'phone\n';
  for (let i = 0; i < unique; i++) text += `+4178${String(i).padStart(7, '0')}\n`;
  writeFileSync(file, text);
  const cacheDir = join(OUT, 'cold-cache');
  rmSync(cacheDir, { recursive: true, force: true });

  const sim = await startSimulatorProcess(simulatorArgs('bench-key'));
  const trace = new ColdTrace(sim.child.pid);
  try {
    trace.mark('start');
    const job = checkNumbers(file, {
      cacheDir,
      maxTaskSize,
      client: {
        apiUrl: sim.url,
        apiKey: 'bench-key',
        ...(api === 'v1' ? { api, product } : { userId: 'bench' }),
        // The client's own defaults (2 s floor, 120 s ceiling, 5 s notice) at the same scale.
        poll: { floorMs: 2000 / SCALE, ceilingMs: 120_000 / SCALE, noticeFloorMs: 5000 / SCALE },
      },
      // v1: the balance is read before the first create, and must cover the upload at this price.
      ...(api === 'v1' && { pricePerNumber: 0.0001 }),
    });
    const { ms } = await timed(() => writeResults(job.batches(), 'csv', join(OUT, 'cold-out.csv')));
    const summary = await job.summary;
    trace.mark('end');
    const ledger = await (await fetch(`${sim.url}/__admin/ledger`)).json();
    const idealMs = (unique / (PROVIDER.slotsPerKey * PROVIDER.numbersPerSecond * SCALE)) * 1000;
    const naiveReads = Math.ceil(unique / PROVIDER.slotsPerKey / PROVIDER.numbersPerSecond / 5);
    table(
      `Cold run (${api === 'v1' ? `v1 API, ${product}` : 'legacy API'}): ${fmt(unique)} new numbers, provider shape at ${SCALE}x speed`,
      ['measure', 'wa-bulk-checker', 'reference'],
      [
        [
          'wall time (scaled s)',
          (ms / 1000).toFixed(2),
          `${(idealMs / 1000).toFixed(2)} ideal (numbers / (slots x rate))`,
        ],
        ['wall time / ideal', (ms / idealMs).toFixed(3), '1.000'],
        ['tasks', fmt(ledger.tasksCreated), `${PROVIDER.slotsPerKey} slots`],
        [
          'status reads per task',
          (ledger.statusReads / ledger.tasksCreated).toFixed(1),
          `${fmt(naiveReads)} polling every 5 s (computed)`,
        ],
        ['numbers charged / unique uncached', (ledger.numbersCharged / unique).toFixed(3), '1.000'],
        ['numbers charged twice', fmt(Object.keys(ledger.doubleCharged).length), '0'],
        ['answered', fmt(summary.answeredByApi), fmt(unique)],
      ],
    );
    const schedule = await Promise.all(trace.taskIds().map((taskId) => simulatedTask(sim.url, api, taskId)));
    printBreakdown(trace.breakdown(schedule, idealMs), idealMs);
    // WA_BENCH_TRACE=<file> keeps the schedule and every call, to look at one round or one slot.
    if (process.env.WA_BENCH_TRACE)
      writeFileSync(process.env.WA_BENCH_TRACE, JSON.stringify({ schedule, calls: trace.calls }));
  } finally {
    trace.stop();
    sim.child.kill('SIGTERM');
  }
}

/**
 * A task's schedule at the simulator, from one status read after the run: created_at, and
 * updated_at, which is its export time once exported; processing ends one export step before
 * and starts its numbers' processing time before that.
 */
async function simulatedTask(url, api, taskId) {
  const response =
    api === 'v1'
      ? await fetch(`${url}/v1/gettasks`, {
          method: 'POST',
          headers: { 'x-api-key': 'bench-key', 'content-type': 'application/x-www-form-urlencoded' },
          body: `task_id=${taskId}`,
        })
      : await fetch(`${url}/wa/api/simple/tasks/${taskId}?user_id=bench`, { headers: { 'x-api-key': 'bench-key' } });
  const task = await response.json();
  const exportAt = Date.parse(task.updated_at);
  const completeAt = exportAt - PROVIDER.exportDelayMs / SCALE;
  const startAt = completeAt - (task.total / (PROVIDER.numbersPerSecond * SCALE)) * 1000;
  return { taskId, createdAt: Date.parse(task.created_at), startAt, completeAt, exportAt };
}

function printBreakdown({ rows, totalMs, cpu, lastRound }, idealMs) {
  table(
    `Where the wall time went (critical path; CPU s of the client's process and of the simulator's in each span; last round: ${lastRound} tasks)`,
    ['span', 'wall s', 'share of ideal', 'client CPU s', 'simulator CPU s'],
    [
      ...rows.map((row) => [
        row.name,
        (row.ms / 1000).toFixed(2),
        `${((row.ms / idealMs) * 100).toFixed(1)}%`,
        row.client.toFixed(2),
        row.sim.toFixed(2),
      ]),
      [
        'whole run',
        (totalMs / 1000).toFixed(2),
        `${((totalMs / idealMs) * 100).toFixed(1)}%`,
        cpu.client.toFixed(2),
        cpu.sim.toFixed(2),
      ],
    ],
  );
}

/** Takes `--api <legacy|v1>` and `--product <name>` out of the arguments. */
function dialectArgs(argv) {
  const args = [];
  let api = 'legacy';
  let product = 'ws';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--api') api = argv[++i];
    else if (argv[i] === '--product') product = argv[++i];
    else args.push(argv[i]);
  }
  if (api !== 'legacy' && api !== 'v1') throw new Error(`--api takes legacy or v1, got '${api}'`);
  return { api, product, args };
}

/** `wa-check simulate` in a child process; resolves with its URL once it listens. */
export function startSimulatorProcess(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'simulate', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /API: +(http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1], child });
    });
    child.on('exit', (code) => reject(new Error(`the simulator exited (${code}) before listening`)));
  });
}
