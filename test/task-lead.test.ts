import { expect, test } from 'vitest';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import type { CheckOptions } from '../src/job/options.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';

const { start } = useFastSimulators();

async function run(input: string[], options: CheckOptions) {
  const job = checkNumbers(input, options);
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return { results, summary: await job.summary };
}

test('the next round is created as long before its slots free as reaching the provider takes, queued creates included', async () => {
  // 2,000 numbers at 400/s: each task processes for 5 s once its slot is free; 2% of it is 100 ms.
  const s = await start({ numbersPerSecond: 400, slotsPerKey: 2, queueDelayMs: 20, exportDelayMs: 20 });
  const client = clientFor(s);
  // A first job teaches the client the provider's rate, as in any job past its first round.
  await run(swissNumbers(1000, 50_000), { client, concurrency: 2 });
  // The first create reaches the provider 600 ms after it is sent, and the second, queued behind
  // it (creates go one at a time), right after: the round's two tasks end together, and the way
  // from a slot to the provider took 600 ms. The second round's creates take 300 ms each, so its
  // second task reaches the provider 600 ms after the slots free. Timed by the upload alone
  // (~0 ms + 2% of 5 s), the next round would start ~200 ms and ~500 ms after its slots freed.
  const taskIds: string[] = [];
  s.hooks.afterCreate = (taskId) => {
    taskIds.push(taskId);
    if (taskIds.length === 2) s.faults.add({ on: 'create', kind: 'delay', delayMs: 300, times: 2 });
  };
  s.faults.add({ on: 'create', kind: 'delay', delayMs: 600 });
  const { summary } = await run(swissNumbers(8000), { client, concurrency: 2, maxTaskSize: 2000 });
  expect(summary).toMatchObject({ numbersCharged: 8000, answeredByApi: 8000, complete: true, tasks: 4 });
  expect(taskIds).toHaveLength(4);
  // The provider's own schedule, from its answers: exported 20 ms after processing ended.
  const schedule = await Promise.all(
    taskIds.map(async (taskId) => {
      const task = await client.getTask(taskId);
      const startAt = Date.parse(task.updatedAt) - 20 - (task.total / 400) * 1000;
      return { createdAt: Date.parse(task.createdAt), startAt };
    }),
  );
  // Both tasks of the second round were at the provider before a slot freed: they waited in its
  // queue (started later than the 20 ms queue delay after their create) instead of a slot idling.
  for (const task of schedule.slice(2)) expect(task.startAt - task.createdAt).toBeGreaterThan(20 + 1);
  expect(s.ledger.snapshot().doubleCharged).toEqual({});
}, 60_000);
