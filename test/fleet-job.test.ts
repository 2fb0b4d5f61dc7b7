import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { NumberClaims } from '../src/store/redis/index.js';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import type { CheckOptions } from '../src/job/options.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { runCli } from './helpers/cli.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { useRedisServers } from './helpers/redis-server.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// checkNumbers() with the `redis` option: workers in one process, a real redis-server, the
// simulator and its ledger.
const startRedis = useRedisServers();
const { start } = useFastSimulators();
const tempDir = useTempDirs();

async function csvOf(numbers: string[]): Promise<string> {
  const path = join(await tempDir(), 'input.csv');
  await writeFile(path, `phone\n${numbers.join('\n')}\n`);
  return path;
}

function fleetOptions(s: RunningSimulator, url: string, extra: Partial<CheckOptions> = {}): CheckOptions {
  return {
    client: clientFor(s),
    redis: { url, apiKey: s.apiKey, pollMs: 10 },
    maxTaskSize: 100,
    ...extra,
  };
}

async function run(path: string, options: CheckOptions) {
  const job = checkNumbers(path, options);
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return { results, summary: await job.summary };
}

test('checkNumbers({ redis }): two workers at once on lists that overlap by half pay for the union once', async () => {
  const redis = await startRedis();
  const s = await start();
  const lists = [swissNumbers(400, 0), swissNumbers(400, 200)];
  const paths = await Promise.all(lists.map(csvOf));
  const runs = await Promise.all(paths.map((path) => run(path, fleetOptions(s, redis.url))));
  expect(s.ledger.numbersCharged).toBe(600);
  expect(s.ledger.doubleCharged()).toEqual({});
  runs.forEach(({ results, summary }, i) => {
    expect(results.map((r) => r.number)).toEqual(lists[i]);
    for (const result of results) expect(result.whatsapp).toBe(s.oracle.answer(result.number!));
    expect(summary).toMatchObject({ rows: 400, unanswered: 0, complete: true });
  });
  // What one worker paid, the other took from the shared cache.
  expect(runs[0]!.summary.numbersCharged + runs[1]!.summary.numbersCharged).toBe(600);
  expect(runs[0]!.summary.cacheHits + runs[1]!.summary.cacheHits).toBe(200);
  // A third run of a list is answered from the shared cache, without paying.
  const again = await run(paths[1]!, fleetOptions(s, redis.url));
  expect(again.summary).toMatchObject({ cacheHits: 400, numbersCharged: 0, complete: true });
  expect(s.ledger.numbersCharged).toBe(600);
});

test('checkNumbers({ redis }): at most `concurrency` tasks open at the provider across two workers', async () => {
  const redis = await startRedis();
  const s = await start();
  // Status reads wait at a gate: no task can end, so no slot frees while it is shut.
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let created = 0;
  let twoCreated!: () => void;
  const bothSlotsTaken = new Promise<void>((resolve) => (twoCreated = resolve));
  s.hooks.afterCreate = () => {
    if (++created === 2) twoCreated();
  };
  s.hooks.beforeStatus = () => gate;
  const options = fleetOptions(s, redis.url, { concurrency: 2 });
  const jobs = [run(await csvOf(swissNumbers(300, 0)), options), run(await csvOf(swissNumbers(300, 5000)), options)];
  await bothSlotsTaken;
  // Each worker alone would open two tasks: the fleet holds the other back while both are open.
  // (A window with nothing to see cannot fail on a slow machine; it gives a third create time
  // to show up were the slots not shared: they are retried every 10 ms.)
  await new Promise((resolve) => setTimeout(resolve, 300));
  const createdWhileShut = created;
  openGate();
  expect(createdWhileShut).toBe(2);
  const runs = await Promise.all(jobs);
  expect(runs.map((r) => r.summary.complete)).toEqual([true, true]);
  expect(s.ledger.numbersCharged).toBe(600);
  expect(s.ledger.doubleCharged()).toEqual({});
});

test('checkNumbers({ redis }): a server that can lose writes is refused with WA_REDIS_NOT_DURABLE', async () => {
  const redis = await startRedis({ appendonly: 'no' });
  const s = await start();
  await expect(run(await csvOf(swissNumbers(10)), fleetOptions(s, redis.url))).rejects.toMatchObject({
    code: ErrorCodes.REDIS_NOT_DURABLE,
  });
  expect(s.ledger.numbersCharged).toBe(0);
});

test('wa-check check --cache redis://: an unreachable server is WA_REDIS_UNAVAILABLE, its password never printed', async () => {
  const redis = await startRedis();
  const s = await start();
  const input = await csvOf(swissNumbers(10));
  const env = { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: s.apiKey, WA_CHECK_USER_ID: 'fleet' };
  await redis.crash();
  const inUrl = await runCli(['check', input, '--cache', `redis://:s3cret-in-url@127.0.0.1:${redis.port}/0`], env);
  const fromEnv = await runCli(['check', input, '--cache', redis.url], {
    ...env,
    WA_CHECK_REDIS_PASSWORD: 's3cret-env',
  });
  for (const run of [inUrl, fromEnv]) {
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(ErrorCodes.REDIS_UNAVAILABLE);
    expect(run.stderr + run.stdout).not.toMatch(/s3cret/);
  }
  // A URL that does not parse is bad usage, and is not echoed either.
  const malformed = await runCli(['check', input, '--cache', 'redis://:s3cret in url@[::1/0'], env);
  expect(malformed.code).toBe(2);
  expect(malformed.stderr).toContain('--cache');
  expect(malformed.stderr).not.toMatch(/s3cret/);
  expect(s.ledger.numbersCharged).toBe(0);
});

test('checkNumbers({ redis, dryRun }): answers from the shared cache, the rest reported, nothing claimed or adopted', async () => {
  const redis = await startRedis();
  const s = await start();
  const path = await csvOf(swissNumbers(200));
  await run(await csvOf(swissNumbers(100)), fleetOptions(s, redis.url));
  const { summary } = await run(path, { redis: { url: redis.url }, dryRun: true, maxTaskSize: 100 });
  expect(summary).toMatchObject({ cacheHits: 100, numbersCharged: 0, dryRun: { numbers: 100, tasks: 5 } });
  // A real run after it pays for exactly the other hundred: the dry run left no claim behind.
  const real = await run(path, fleetOptions(s, redis.url));
  expect(real.summary).toMatchObject({ cacheHits: 100, numbersCharged: 100, complete: true });
  expect(s.ledger.numbersCharged).toBe(200);
});

test('checkNumbers({ redis }) with a WaClient of its own needs redis.apiKey: slots are counted per key', async () => {
  const s = await start();
  expect(() => checkNumbers('x.csv', { client: clientFor(s), redis: { url: 'redis://127.0.0.1:1/0' } })).toThrow(
    expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, message: expect.stringContaining('redis.apiKey') }),
  );
});

test('checkNumbers({ redis }): numbers a dead worker claimed and never uploaded are claimed again when its lease ends, paid once', async () => {
  const redis = await startRedis();
  const s = await start();
  const numbers = swissNumbers(300);
  // A worker claims the second half and dies before uploading: no release, no renewals.
  const dead = await NumberClaims.open({ url: redis.url, leaseMs: 500 });
  expect((await dead.claim(numbers.slice(150))).claimed).toHaveLength(150);
  await dead.close();
  const { results, summary } = await run(await csvOf(numbers), fleetOptions(s, redis.url));
  expect(results.map((r) => r.whatsapp)).toEqual(numbers.map((n) => s.oracle.answer(n)));
  expect(summary).toMatchObject({ numbersCharged: 300, cacheHits: 0, complete: true });
  expect(s.ledger.doubleCharged()).toEqual({});
  // What the job claimed is released with its tasks: nothing is left held.
  const claims = await NumberClaims.open({ url: redis.url });
  expect(new Set(await claims.holders(numbers))).toEqual(new Set([undefined]));
  await claims.close();
});

test('checkNumbers({ redis }): a consumer that leaves early frees the claims it did not upload; the next run pays the rest once', async () => {
  const redis = await startRedis();
  const s = await start();
  const numbers = swissNumbers(500);
  const path = await csvOf(numbers);
  const options = fleetOptions(s, redis.url, { concurrency: 1 });
  const job = checkNumbers(path, options);
  for await (const _ of job) break;
  expect((await job.summary).finished).toBe(false);
  // Claims with a lease are gone at once; only pins of tasks at the provider stay, for whoever
  // collects them.
  const claims = await NumberClaims.open({ url: redis.url });
  const holders = await claims.holders(numbers);
  await claims.close();
  expect(holders.filter((holder) => holder !== undefined && !holder.startsWith('task:'))).toEqual([]);
  const again = await run(path, options);
  expect(again.summary).toMatchObject({ complete: true });
  expect(again.results.map((r) => r.whatsapp)).toEqual(numbers.map((n) => s.oracle.answer(n)));
  expect(s.ledger.numbersCharged).toBe(500);
  expect(s.ledger.doubleCharged()).toEqual({});
});
