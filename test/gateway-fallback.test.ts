import { afterEach, describe, expect, test } from 'vitest';
import { ClientKeys } from '../src/gateway/client-keys.js';
import { type GatewayOptions, type RunningGateway, startGateway } from '../src/gateway/gateway.js';
import { sharesByPayer } from '../src/gateway/top-up.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { createTask, downloadRows, pollUntilExported } from './helpers/gateway-http.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

const UPSTREAM_KEY = 'sk_upstream_secret_fallback';
const ALICE = 'client-key-alice-0001';
const ADMIN = 'admin-key-00000001';

const tempDir = useTempDirs();
const { start } = useFastSimulators({ apiKey: UPSTREAM_KEY });
const running: RunningGateway[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
});

/** A v1 upstream (500-row minimum) and a gateway whose longest wait for company is short. */
async function startPair(cacheDir: string, options: Partial<GatewayOptions>) {
  const sim = await start();
  const gateway = await startGateway({
    upstream: {
      apiUrl: sim.url,
      apiKey: UPSTREAM_KEY,
      api: 'v1',
      poll: { floorMs: 20, ceilingMs: 200, noticeFloorMs: 50 },
    },
    clients: new ClientKeys({ [ALICE]: { name: 'alice' } }),
    cacheDir,
    adminKey: ADMIN,
    gatherMs: 20,
    poolMaxWaitMs: 100,
    ...options,
  });
  running.push(gateway);
  return { sim, gateway };
}

async function usageOf(gateway: RunningGateway, name: string): Promise<Record<string, number>> {
  const response = await fetch(`${gateway.url}/__gateway/usage`, { headers: { 'x-api-key': ADMIN } });
  return ((await response.json()) as { clients: Record<string, Record<string, number>> }).clients[name]!;
}

async function lonelyTask(sim: RunningSimulator, gateway: RunningGateway, numbers: readonly string[]) {
  const created = await createTask(gateway.url, ALICE, 'v1', numbers);
  expect(created.status).toBe(200);
  const { task_id } = (await created.json()) as { task_id: string };
  const { task } = await pollUntilExported(gateway.url, ALICE, 'v1', task_id);
  return { task, rows: (await downloadRows(task.result_url!)).rows, ledger: sim.ledger };
}

describe('wa-check serve: a list alone below the upstream minimum, after the longest wait', () => {
  test('--top-up stale: the task is filled with the oldest cached answers, which are refreshed; exactly the minimum is paid', async () => {
    const cacheDir = await tempDir();
    const startedAt = Date.now();
    // 600 cached answers, number i checked i+1 hours ago: the 380 oldest are i = 220..599.
    const cached = swissNumbers(600, 100_000);
    const seeded = await LevelResultCache.open(cacheDir);
    await seeded.putMany(
      cached.map((number, i) => [number, { whatsapp: 'no', checkedAt: startedAt - (i + 1) * 3_600_000 }] as const),
    );
    await seeded.close();
    const { sim, gateway } = await startPair(cacheDir, { topUp: 'stale' });

    const small = swissNumbers(120, 5000);
    const { task, rows, ledger } = await lonelyTask(sim, gateway, small);
    const expected = small.filter((n) => sim.oracle.answer(n) !== 'fail');
    expect(rows).toEqual(new Map(expected.map((n) => [n, sim.oracle.answer(n)])));
    expect(task).toMatchObject({ total: 120, success: expected.length });
    expect(ledger.snapshot()).toMatchObject({ tasksCreated: 1, numbersCharged: 500, doubleCharged: {} });
    const oldest = cached.slice(220);
    const younger = cached.slice(0, 220);
    expect(oldest.every((n) => ledger.chargesFor(n) === 1)).toBe(true);
    expect(younger.every((n) => ledger.chargesFor(n) === 0)).toBe(true);
    expect(await usageOf(gateway, 'alice')).toMatchObject({ paidUpstream: 120, topUp: 380, belowMinimum: 0 });
    await gateway.close();

    const cache = await LevelResultCache.open(cacheDir);
    const after = await cache.getMany(cached);
    await cache.close();
    cached.forEach((number, i) => {
      const answer = after[i]!;
      const refreshed = i >= 220 && sim.oracle.answer(number) !== 'fail';
      if (refreshed) {
        expect(answer.checkedAt).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
        expect(answer.whatsapp).toBe(sim.oracle.answer(number));
      } else {
        // Untouched (a failed refresh keeps the answer it had): whole seconds, as the cache stores them.
        expect(answer.checkedAt).toBe(Math.floor((startedAt - (i + 1) * 3_600_000) / 1000) * 1000);
      }
    });
  });

  test('--top-up none: nothing is sent or paid; the numbers are failures and the ledger says why', async () => {
    const { sim, gateway } = await startPair(await tempDir(), { topUp: 'none' });
    const { task, rows, ledger } = await lonelyTask(sim, gateway, swissNumbers(120, 5000));
    expect(task).toMatchObject({ total: 120, success: 0, failure: 120 });
    expect(rows.size).toBe(0);
    expect(ledger.snapshot()).toMatchObject({ tasksCreated: 0, numbersCharged: 0 });
    expect(await usageOf(gateway, 'alice')).toMatchObject({ submitted: 120, paidUpstream: 0, belowMinimum: 120 });
  });

  test('--top-up stale with too few cached answers to reach the minimum: as none, nothing paid', async () => {
    const { sim, gateway } = await startPair(await tempDir(), { topUp: 'stale' });
    const { task, ledger } = await lonelyTask(sim, gateway, swissNumbers(120, 5000));
    expect(task).toMatchObject({ total: 120, success: 0, failure: 120 });
    expect(ledger.tasksCreated).toBe(0);
    expect(await usageOf(gateway, 'alice')).toMatchObject({ paidUpstream: 0, belowMinimum: 120, topUp: 0 });
  });

  test('numbers arriving after a small list was pooled are cut after the gathering wait, not the longest one', async () => {
    const { sim, gateway } = await startPair(await tempDir(), { topUp: 'none', poolMaxWaitMs: 60_000 });
    const created = async (numbers: readonly string[]) =>
      ((await (await createTask(gateway.url, ALICE, 'v1', numbers)).json()) as { task_id: string }).task_id;
    const small = await created(swissNumbers(120, 5000));
    const company = await created(swissNumbers(400, 6000));
    await pollUntilExported(gateway.url, ALICE, 'v1', small, 10_000);
    await pollUntilExported(gateway.url, ALICE, 'v1', company, 10_000);
    // The small list waited with a wake-up set for the longest wait; a new list must not inherit it.
    const later = await created(swissNumbers(500, 8000));
    const { task } = await pollUntilExported(gateway.url, ALICE, 'v1', later, 10_000);
    expect(task.total).toBe(500);
    expect(sim.ledger.snapshot()).toMatchObject({ tasksCreated: 2, numbersCharged: 1020 });
  });

  test('what is gathered is cut to fill the free upstream slots, each task at least the minimum', async () => {
    const { sim, gateway } = await startPair(await tempDir(), { concurrency: 4 });
    const created = (await (await createTask(gateway.url, ALICE, 'v1', swissNumbers(2300, 20_000))).json()) as {
      task_id: string;
    };
    await pollUntilExported(gateway.url, ALICE, 'v1', created.task_id, 10_000);
    // 2,300 numbers and 4 free slots: 4 tasks of 575, not one of 2,300 (a 500 minimum allows 4).
    expect(sim.ledger.snapshot()).toMatchObject({ tasksCreated: 4, numbersCharged: 2300 });
    const small = (await (await createTask(gateway.url, ALICE, 'v1', swissNumbers(1300, 40_000))).json()) as {
      task_id: string;
    };
    await pollUntilExported(gateway.url, ALICE, 'v1', small.task_id, 10_000);
    // 1,300: two tasks (650 each); a third would be below the minimum.
    expect(sim.ledger.snapshot()).toMatchObject({ tasksCreated: 6, numbersCharged: 3600 });
  });

  test('a bad policy is refused before anything starts', async () => {
    await expect(startPair(await tempDir(), { topUp: 'pad' as 'none' })).rejects.toMatchObject({
      code: 'WA_INVALID_OPTION',
    });
  });
});

describe('sharesByPayer', () => {
  test('failures go to the client that queued each number, and leave its paid count', () => {
    const shares = sharesByPayer(['a', 'b', 'a', undefined], { failed: true });
    expect(Object.fromEntries(shares)).toEqual({
      a: { belowMinimum: 2, paidUpstream: -2 },
      b: { belowMinimum: 1, paidUpstream: -1 },
    });
  });

  test('refreshed numbers are shared in proportion and add up exactly', () => {
    const shares = sharesByPayer(['a', 'a', 'b'], { topUp: 100 });
    expect(Object.fromEntries(shares)).toEqual({ a: { topUp: 67 }, b: { topUp: 33 } });
  });
});
