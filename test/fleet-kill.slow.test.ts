import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import { runCli, startCli } from './helpers/cli.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { useRedisServers } from './helpers/redis-server.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// A fleet of real CLI workers (`--cache redis://`) on one redis-server and one simulator, whose
// ledger says what was paid. Three lists overlap pairwise by half: A∩B, B∩C and A∩C are each
// half of a list, and the union is 900 numbers.
const startRedis = useRedisServers();
const { start } = useFastSimulators({
  apiKey: 'sk_fleet_test',
  numbersPerSecond: 100_000,
  queueDelayMs: 20,
  exportDelayMs: 50,
  failureShare: 0,
});
const tempDir = useTempDirs();

const LISTS = [
  swissNumbers(600, 0),
  swissNumbers(600, 300),
  [...swissNumbers(300, 0), ...swissNumbers(300, 600)],
] as const;
const UNION = 900;
/** Short leases, so that a killed worker's numbers, slot and task pass to the others soon. */
const LEASE_MS = 4_000;

function envFor(s: RunningSimulator): Record<string, string> {
  return { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: s.apiKey, WA_CHECK_USER_ID: 'fleet' };
}

async function workerArgs(list: readonly string[], redisUrl: string, concurrency: number) {
  const dir = await tempDir();
  const input = join(dir, 'input.csv');
  await writeFile(input, `phone\n${list.join('\n')}\n`);
  const output = join(dir, 'out.csv');
  const cache = `${redisUrl}?lease-ms=${LEASE_MS}`;
  const args = ['check', input, '-o', output, '--cache', cache, '--task-size', '100', '--poll-interval', '30'];
  return { args: [...args, '--concurrency', String(concurrency)], output };
}

/** Every row of a worker's output answered, as the oracle answers it. */
async function expectAllAnswered(s: RunningSimulator, output: string, list: readonly string[]): Promise<void> {
  const [header, ...rows] = (await readFile(output, 'utf8')).trim().split('\n');
  const columns = header!.split(',');
  const number = columns.indexOf('number');
  const whatsapp = columns.indexOf('whatsapp');
  const found = rows.map((row) => row.split(','));
  expect(found.map((row) => row[number])).toEqual(list);
  for (const row of found) expect(row[whatsapp]).toBe(s.oracle.answer(row[number]!));
}

test('three CLI workers at once on lists overlapping by half: the union is charged, no number twice', async () => {
  const redis = await startRedis();
  const s = await start();
  const workers = await Promise.all(LISTS.map((list) => workerArgs(list, redis.url, 2)));
  const runs = await Promise.all(workers.map(({ args }) => runCli(args, envFor(s))));
  expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
  expect(s.ledger.numbersCharged).toBe(UNION);
  expect(s.ledger.doubleCharged()).toEqual({});
  for (const [i, { output }] of workers.entries()) await expectAllAnswered(s, output, LISTS[i]!);
});

test('kill -9 of one of three workers while its task is open: the others adopt it, the restart pays nothing more', async () => {
  const redis = await startRedis();
  const s = await start();
  const [victim, ...others] = await Promise.all(LISTS.map((list, i) => workerArgs(list!, redis.url, i === 0 ? 1 : 2)));
  // The victim (one slot of its own) creates its first task; that task's status reads wait at a
  // gate, so it stays open at the provider and the victim creates nothing more.
  let victimTask: string | undefined;
  let created = 0;
  let firstOtherCreate!: () => void;
  const othersAtWork = new Promise<void>((resolve) => (firstOtherCreate = resolve));
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let victimPolled!: () => void;
  const victimSubmitted = new Promise<void>((resolve) => (victimPolled = resolve));
  s.hooks.afterCreate = (taskId) => {
    created++;
    if (victimTask === undefined) victimTask = taskId;
    else firstOtherCreate();
  };
  s.hooks.beforeStatus = (taskId) => {
    if (taskId !== victimTask) return undefined;
    victimPolled(); // its first status read: the task is journaled `submitted`
    return gate;
  };
  const killed = startCli(victim!.args, envFor(s));
  killed.child.stdin!.end();
  await victimSubmitted;
  // The others start, and one of them gets a task of its own to the provider (a slot is free).
  const running = others.map(({ args }) => runCli(args, envFor(s)));
  await othersAtWork;
  killed.child.kill('SIGKILL');
  expect((await killed.done).signal).toBe('SIGKILL');
  openGate();
  // The others finish: they adopt the dead worker's task from the journal once its lease ends,
  // claim the numbers it had claimed and not uploaded, and pay for nothing twice.
  const runs = await Promise.all(running);
  expect(runs.map((run) => [run.code, run.stderr.includes('WA_')])).toEqual([
    [0, false],
    [0, false],
  ]);
  expect(s.ledger.doubleCharged()).toEqual({});
  for (const [i, { output }] of others.entries()) await expectAllAnswered(s, output, LISTS[i + 1]!);
  // The killed worker, run again: every number is in the shared cache now.
  const chargedBefore = s.ledger.numbersCharged;
  const restarted = await runCli(victim!.args, envFor(s));
  expect(restarted.code).toBe(0);
  await expectAllAnswered(s, victim!.output, LISTS[0]);
  expect(s.ledger.numbersCharged).toBe(chargedBefore);
  expect(s.ledger.numbersCharged).toBe(UNION);
  expect(s.ledger.doubleCharged()).toEqual({});
  expect(created).toBeGreaterThan(1);
});
