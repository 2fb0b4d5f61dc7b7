import { describe, expect, test } from 'vitest';
import { WaClient } from '../src/api/client.js';
import { ProviderUnreachableError } from '../src/api/wait-errors.js';
import { ErrorCodes } from '../src/errors.js';
import { type CheckJob, type CheckResult, checkNumbers } from '../src/job/check-numbers.js';
import type { JobProgress } from '../src/job/progress.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { taskKey } from '../src/store/task-journal.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { useProviderProxies } from './helpers/provider-proxy.js';
import { createTask, swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { VirtualClock } from './helpers/virtual-clock.js';
import { freePort } from './helpers/ports.js';

// What a job does with the typed errors its client raises: a provider never reached, a
// Retry-After past the cap on a create, a task given up as stalled.

const { start } = useFastSimulators();
const proxy = useProviderProxies();
const tempDir = useTempDirs();

async function drain(job: CheckJob): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return results;
}

async function openJournal(cacheDir: string) {
  const cache = await LevelResultCache.open(cacheDir);
  try {
    return await cache.journal.open();
  } finally {
    await cache.close();
  }
}

describe('checkNumbers() - a provider that cannot be reached (issue #13 item 5)', () => {
  test('a closed port: the iteration rejects with WA_NETWORK naming the origin; nothing journaled, no "collect later"', async () => {
    const port = await freePort();
    const cacheDir = await tempDir();
    const client = new WaClient({
      apiUrl: `http://127.0.0.1:${port}`,
      apiKey: 'k',
      userId: 'u',
      clock: new VirtualClock(),
    });
    const job = checkNumbers(swissNumbers(1200), { client, cacheDir, maxTaskSize: 500 });
    const rows: CheckResult[] = [];
    const error = await (async () => {
      for await (const result of job) rows.push(result);
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    // No row went out claiming a number unanswered ("task_error: run again to collect").
    expect(rows).toEqual([]);
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect(error).toMatchObject({ code: ErrorCodes.NETWORK, origin: `http://127.0.0.1:${port}` });
    await expect(job.summary).rejects.toBeInstanceOf(ProviderUnreachableError);
    expect(await openJournal(cacheDir)).toEqual([]);
  });

  test('a resumed task whose provider cannot be reached: rejects, and the task stays submitted', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    // What a run that stopped early leaves: a task at the provider, journaled submitted.
    const numbers = swissNumbers(50);
    const task = await createTask(s, numbers);
    const cache = await LevelResultCache.open(cacheDir);
    await cache.journal.write({
      id: taskKey(numbers),
      state: 'submitted',
      numbers,
      count: numbers.length,
      taskId: task.task_id,
      updatedAt: Date.now(),
    });
    await cache.close();

    const port = await freePort();
    const client = new WaClient({
      apiUrl: `http://127.0.0.1:${port}`,
      apiKey: 'k',
      userId: 'u',
      clock: new VirtualClock(),
    });
    const error = await drain(checkNumbers(swissNumbers(50), { client, cacheDir })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect((await openJournal(cacheDir)).map((entry) => entry.state)).toEqual(['submitted']);
  });
});

describe('checkNumbers() - a create answered 429 with a Retry-After past the cap', () => {
  test('no task created after it; the one in flight is collected; the rest rate_limited with retryAt', async () => {
    const s = await start({ failureShare: 0 });
    // The first create goes through; every later one is refused for an hour.
    const front = await proxy(s.url, ({ call, index }) =>
      call === 'create' && index >= 1
        ? { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '3600' } }
        : undefined,
    );
    const client = clientFor(s, { apiUrl: front.url });
    const progress: JobProgress[] = [];
    const job = checkNumbers(swissNumbers(1500), {
      client,
      concurrency: 1,
      maxTaskSize: 500,
      onProgress: (seen) => progress.push(seen),
    });
    const before = Date.now();
    const results = await drain(job);
    const summary = await job.summary;
    expect(front.calls.filter((seen) => seen.call === 'create')).toHaveLength(2);
    expect(results.slice(0, 500).every((result) => result.whatsapp !== null)).toBe(true);
    expect(new Set(results.slice(500).map((result) => result.reason))).toEqual(new Set(['rate_limited']));
    expect(summary).toMatchObject({ tasks: 1, numbersCharged: 500, complete: false, finished: true });
    expect(summary.unansweredByReason).toEqual({ rate_limited: 1000 });
    const retryAt = Date.parse(summary.retryAt!);
    expect(retryAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });
});

describe('checkNumbers() - a task given up as stalled', () => {
  test('its rows are task_stalled, not task_error; it stays submitted for the next run', async () => {
    // Processing at once, and never a number done; the client's 15 minutes pass on a virtual clock.
    const s = await start({ queueDelayMs: 0, numbersPerSecond: 1e-9 });
    const cacheDir = await tempDir();
    const client = new WaClient({
      apiUrl: s.url,
      apiKey: s.apiKey,
      userId: 'test',
      clock: new VirtualClock(),
      giveUp: { stalledMs: 60_000 },
    });
    const job = checkNumbers(swissNumbers(40), { client, cacheDir, concurrency: 1 });
    const results = await drain(job);
    const summary = await job.summary;
    expect(new Set(results.map((result) => result.reason))).toEqual(new Set(['task_stalled']));
    expect(summary.unansweredByReason).toEqual({ task_stalled: 40 });
    expect(summary.taskErrors.map((error) => error.code)).toEqual([ErrorCodes.TASK_STALLED]);
    const journal = await openJournal(cacheDir);
    expect(journal.map((entry) => [entry.state, entry.numbers.length])).toEqual([['submitted', 40]]);
    expect(summary.tasks).toBe(1);
  });
});
