import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import type { CheckOptions } from '../src/job/options.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { useRedisServers } from './helpers/redis-server.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// The fleet's Redis goes down mid-job (SIGKILL of the real redis-server).
const startRedis = useRedisServers();
const { start } = useFastSimulators();
const tempDir = useTempDirs();

async function drain(path: string, options: CheckOptions) {
  const job = checkNumbers(path, options);
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return { results, summary: await job.summary };
}

test('Redis unreachable mid-job: no task created after, the open task stays journaled, WA_REDIS_UNAVAILABLE; the next run collects it unpaid', async () => {
  const redis = await startRedis();
  const s = await start();
  const numbers = swissNumbers(500);
  const input = join(await tempDir(), 'input.csv');
  await writeFile(input, `phone\n${numbers.join('\n')}\n`);
  const options: CheckOptions = {
    client: clientFor(s),
    redis: { url: redis.url, apiKey: s.apiKey, pollMs: 20, leaseMs: 2_000 },
    maxTaskSize: 100,
    concurrency: 1,
  };
  let firstTask: string | undefined;
  let creates = 0;
  s.hooks.afterCreate = (taskId) => {
    creates++;
    firstTask ??= taskId;
  };
  // The first task is submitted (journaled) when its status is first read: Redis dies then.
  let crashed = false;
  s.hooks.beforeStatus = async (taskId) => {
    if (taskId !== firstTask || crashed) return;
    crashed = true;
    await redis.crash();
  };
  await expect(drain(input, options)).rejects.toMatchObject({ code: ErrorCodes.REDIS_UNAVAILABLE });
  expect(crashed).toBe(true);
  expect(creates).toBe(1);
  expect(s.ledger.numbersCharged).toBe(100);

  // Redis back (its AOF replayed): the task is still `submitted` in the shared journal, so the
  // next run collects it (once its dead owner's lease ends) and pays only for the rest.
  s.hooks.beforeStatus = undefined;
  await redis.restart();
  const again = await drain(input, options);
  expect(again.summary).toMatchObject({ complete: true, unanswered: 0, numbersCharged: 400 });
  expect(again.results.map((r) => r.whatsapp)).toEqual(numbers.map((n) => s.oracle.answer(n)));
  expect(s.ledger.numbersCharged).toBe(500);
  expect(s.ledger.doubleCharged()).toEqual({});
});
