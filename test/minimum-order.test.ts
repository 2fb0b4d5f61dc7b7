import { describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import type { CheckOptions } from '../src/job/options.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

const { start } = useFastSimulators();
const tempDir = useTempDirs();
const DAY_MS = 86_400_000;

async function run(numbers: readonly string[], options: CheckOptions) {
  const path = join(await tempDir(), 'input.txt');
  await writeFile(path, `${numbers.join('\n')}\n`);
  const job = checkNumbers(path, options);
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return { results, summary: await job.summary };
}

/** Task sizes as the simulator saw them created (charged). */
function recordTaskSizes(sim: RunningSimulator): number[] {
  const sizes: number[] = [];
  sim.hooks.afterCreate = (_taskId, numbers) => {
    sizes.push(numbers.length);
  };
  return sizes;
}

/**
 * A cache folder holding `count` answers outside the job, the i-th checked `count - i` days ago
 * (so the first ones are the oldest), and the job's earlier numbers, answered yesterday.
 */
async function seededCache(old: readonly string[], known: readonly string[]): Promise<string> {
  const dir = await tempDir();
  const cache = await LevelResultCache.open(dir);
  const now = Date.now();
  await cache.putMany(old.map((number, i) => [number, { whatsapp: 'no', checkedAt: now - (old.length - i) * DAY_MS }]));
  await cache.putMany(known.map((number) => [number, { whatsapp: 'yes', checkedAt: now - DAY_MS }]));
  await cache.close();
  return dir;
}

async function cachedAt(dir: string, numbers: readonly string[]): Promise<Array<number | undefined>> {
  const cache = await LevelResultCache.open(dir);
  try {
    return (await cache.getMany(numbers)).map((answer) => answer?.checkedAt);
  } finally {
    await cache.close();
  }
}

describe('checkNumbers() - the minimum order (v1 ws: 500 rows per task)', () => {
  // 1,000 cached numbers outside the job, oldest first; the job: 50 of the known ones and 100 new.
  const old = swissNumbers(1000, 100_000);
  const known = swissNumbers(50, 200_000);
  const fresh = swissNumbers(100, 300_000);

  test("topUp 'stale': one task of exactly the minimum, filled with the oldest answers, which are refreshed", async () => {
    const sim = await start();
    const sizes = recordTaskSizes(sim);
    const cacheDir = await seededCache(old, known);
    const startedAt = Date.now();
    const { results, summary } = await run([...known, ...fresh], {
      client: clientFor(sim, { api: 'v1' }),
      cacheDir,
    });
    expect(sizes).toEqual([500]);
    expect(sim.ledger.numbersCharged).toBe(500);
    expect(sim.ledger.snapshot().freeErrors).toEqual({});
    // The 400 oldest were bought again; the next oldest was not.
    expect(sim.ledger.chargesFor(old[0]!)).toBe(1);
    expect(sim.ledger.chargesFor(old[399]!)).toBe(1);
    expect(sim.ledger.chargesFor(old[400]!)).toBe(0);
    for (const number of known) expect(sim.ledger.chargesFor(number)).toBe(0);
    const refreshedAt = await cachedAt(cacheDir, [old[0]!, old[399]!, old[400]!]);
    expect(refreshedAt[0]).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
    expect(refreshedAt[1]).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
    expect(refreshedAt[2]).toBeLessThan(startedAt - DAY_MS);
    // The output is the job's rows only; the refreshed numbers are counted, not output.
    expect(results).toHaveLength(150);
    expect(results.filter((r) => r.source === 'api')).toHaveLength(100);
    expect(summary).toMatchObject({
      numbersCharged: 500,
      answeredByApi: 100,
      refreshed: 400,
      cacheHits: 50,
      complete: true,
      topUp: { policy: 'stale', applied: 'stale', minimum: 500, numbers: 100, refreshed: 400 },
    });
  });

  test("topUp 'none': nothing paid, the numbers are below_minimum; a later job with enough of them sends them", async () => {
    const sim = await start();
    const sizes = recordTaskSizes(sim);
    const cacheDir = await seededCache(old, known);
    const first = await run([...known, ...fresh], { client: clientFor(sim, { api: 'v1' }), cacheDir, topUp: 'none' });
    expect(sim.ledger.tasksCreated).toBe(0);
    expect(first.results.filter((r) => r.reason === 'below_minimum').map((r) => r.number)).toEqual(fresh);
    expect(first.summary).toMatchObject({
      numbersCharged: 0,
      complete: false,
      unansweredByReason: { below_minimum: 100 },
      topUp: { policy: 'none', applied: 'none', refreshed: 0 },
    });
    const more = swissNumbers(400, 400_000);
    const second = await run([...fresh, ...more], { client: clientFor(sim, { api: 'v1' }), cacheDir, topUp: 'none' });
    expect(sizes).toEqual([500]);
    expect(second.summary).toMatchObject({ numbersCharged: 500, complete: true });
    expect(second.summary.topUp).toBeUndefined();
  });

  test('a cache too small to top up falls back to none, and says so', async () => {
    const sim = await start();
    const cacheDir = await seededCache(old.slice(0, 10), known);
    const { summary } = await run([...known, ...fresh], { client: clientFor(sim, { api: 'v1' }), cacheDir });
    expect(sim.ledger.tasksCreated).toBe(0);
    expect(summary.unansweredByReason).toEqual({ below_minimum: 100 });
    expect(summary.topUp).toMatchObject({ policy: 'stale', applied: 'none' });
    expect(summary.notes?.join(' ')).toMatch(/holds 10 answers to refresh, 400 were needed/);
  });

  test('a dry run shows the policy and what it would cost, pays nothing', async () => {
    const sim = await start();
    const cacheDir = await seededCache(old, known);
    const { summary } = await run([...known, ...fresh], {
      client: clientFor(sim, { api: 'v1' }),
      cacheDir,
      dryRun: true,
      pricePerNumber: 0.0001,
    });
    expect(sim.ledger.tasksCreated).toBe(0);
    expect(summary.dryRun).toEqual({ numbers: 500, tasks: 1, cost: 0.05 });
    expect(summary.topUp).toMatchObject({ applied: 'stale', refreshed: 400 });
    expect(summary.balance).toMatchObject({ available: 1_000_000, cost: 0.05, allowed: 500 });
  });

  test('tasks are never cut below the minimum: 1,200 numbers at 5 slots make two tasks of 600', async () => {
    const sim = await start();
    const sizes = recordTaskSizes(sim);
    const { summary } = await run(swissNumbers(1200), {
      client: clientFor(sim, { api: 'v1' }),
      cacheDir: await tempDir(),
    });
    expect(sizes).toEqual([600, 600]);
    expect(summary).toMatchObject({ numbersCharged: 1200, complete: true });
  });

  test('legacy: a configured minimum (legacyMinRows) is respected the same way', async () => {
    const sim = await start({ minRows: { legacy: 300 } });
    const sizes = recordTaskSizes(sim);
    const { summary } = await run(swissNumbers(200), {
      client: clientFor(sim, { legacyMinRows: 300 }),
      cacheDir: await tempDir(),
      topUp: 'none',
    });
    expect(sizes).toEqual([]);
    expect(sim.ledger.snapshot().freeErrors).toEqual({});
    expect(summary.unansweredByReason).toEqual({ below_minimum: 200 });
  });
});
