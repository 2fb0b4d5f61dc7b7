// The gateway (`wa-check serve`) against the same clients going direct to the provider: N clients
// at once, every pair of lists sharing half its numbers (one common half, one own half each),
// against the simulator with the provider's shape at accelerated time (every duration divided by
// SCALE). Upstream numbers charged vs the sum of the lists, and the wall time until every client
// holds its answers. The simulator runs in its own process, as the provider runs on its own
// machines; the gateway runs in this one, as its clients' stand-in for the provider.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WaClient } from '../dist/index.js';
import { ClientKeys } from '../dist/gateway/client-keys.js';
import { startGateway } from '../dist/gateway/gateway.js';
import { OUT } from './lib/data.js';
import { PROVIDER, SCALE, simulatorArgs } from './lib/provider-shape.js';
import { fmt, table, timed } from './lib/report.js';

const CLI = fileURLToPath(new URL('../bin/wa-check.js', import.meta.url));
const UPSTREAM_KEY = 'bench-upstream-key';
const POLL = { floorMs: 2000 / SCALE, ceilingMs: 120_000 / SCALE, noticeFloorMs: 5000 / SCALE };

export async function run(args) {
  const clients = Number(args[0] ?? 4);
  const listSize = Number(args[1] ?? 4000);
  const lists = overlappingLists(clients, listSize);
  const sum = lists.reduce((total, list) => total + list.length, 0);
  const union = new Set(lists.flat()).size;

  const direct = await withSimulator(async (url) => {
    const { ms } = await timed(() => Promise.all(lists.map((list) => checkList(url, UPSTREAM_KEY, list))));
    return { ms, ledger: await ledgerOf(url) };
  });
  const rows = [
    ['direct to the provider', fmt(direct.ms), fmt(direct.ledger.numbersCharged), direct.ledger.tasksCreated],
  ];
  // The gateway's default largest task (50,000), and tasks small enough to keep every slot busy.
  for (const maxTaskSize of [50_000, Math.ceil(union / PROVIDER.slotsPerKey)]) {
    const via = await withSimulator(async (url) => {
      const cacheDir = mkdtempSync(join(OUT, 'gateway-cache-'));
      const keys = Object.fromEntries(lists.map((_, i) => [`bench-client-key-${i}`, { name: `client-${i}` }]));
      const gateway = await startGateway({
        upstream: { apiUrl: url, apiKey: UPSTREAM_KEY, api: 'v1', poll: POLL },
        clients: new ClientKeys(keys),
        cacheDir,
        gatherMs: 2000 / SCALE,
        maxTaskSize,
      });
      try {
        const { ms } = await timed(() =>
          Promise.all(lists.map((list, i) => checkList(gateway.url, `bench-client-key-${i}`, list))),
        );
        return { ms, ledger: await ledgerOf(url) };
      } finally {
        await gateway.close();
        rmSync(cacheDir, { recursive: true, force: true });
      }
    });
    rows.push([
      `through the gateway (task size <= ${fmt(maxTaskSize)})`,
      fmt(via.ms),
      fmt(via.ledger.numbersCharged),
      via.ledger.tasksCreated,
    ]);
  }
  table(
    `Gateway: ${clients} clients x ${fmt(listSize)} numbers, every pair sharing half (sum ${fmt(sum)}, union ${fmt(union)}), provider shape at ${SCALE}x speed`,
    ['clients go', `wall ms (at ${SCALE}x)`, 'numbers charged', 'upstream tasks'],
    rows,
  );
}

/** One common half and one own half per client: every pair of lists shares half its numbers. */
function overlappingLists(clients, listSize) {
  const half = Math.floor(listSize / 2);
  const number = (i) => `+4176${String(i).padStart(7, '0')}`;
  const common = Array.from({ length: half }, (_, i) => number(i));
  return Array.from({ length: clients }, (_, c) => [
    ...common,
    ...Array.from({ length: listSize - half }, (_, i) => number(half * (c + 1) + i)),
  ]);
}

/** A client as the provider's examples are: one task for its list, polled until its file is in. */
async function checkList(url, apiKey, numbers) {
  const client = new WaClient({ apiUrl: url, apiKey, api: 'v1', poll: POLL, retry: { retries: 5, minDelayMs: 10 } });
  const { taskId } = await client.createTask(numbers);
  const task = await client.waitForTask(taskId, { expectedTotal: numbers.length });
  const results = await client.collectResults(task, numbers);
  if (results.answered.size + results.unanswered.length !== numbers.length) throw new Error('answers missing');
}

async function ledgerOf(url) {
  return (await fetch(`${url}/__admin/ledger`)).json();
}

/** `wa-check simulate` in a child process for the duration of `work(url)`. */
async function withSimulator(work) {
  const child = spawn(process.execPath, [CLI, 'simulate', ...simulatorArgs(UPSTREAM_KEY)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /API: +(http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`the simulator exited (${code}) before listening`)));
    });
    return await work(url);
  } finally {
    child.kill('SIGTERM');
  }
}
