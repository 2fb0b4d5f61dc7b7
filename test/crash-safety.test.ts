import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { swissNumbers } from './helpers/sim-http.js';
import { runCli, startCli } from './helpers/cli.js';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import { clientFor } from './helpers/clients.js';
import { LevelTaskJournal } from '../src/store/task-journal.js';
import { ErrorCodes } from '../src/errors.js';
import { answers, expectUnconfirmedNeverUploadedAgain, onNth, useCrashHarness } from './helpers/crash-harness.js';

// A job of 10,000 numbers in ten tasks. The other kill tests, on 50,000 numbers, are in
// crash-safety.slow.test.ts (`npm run test:slow`).
const legacyHarness = useCrashHarness({ count: 10_000, taskSize: 1000 });
const { start, tempDir, envFor, checkArgs, cleanOutput } = legacyHarness;
/** The behaviours that must hold in both of the provider's API versions run once for each. */
const APIS = ['legacy', 'v1'] as const;

describe('a job killed with SIGKILL and run again (legacy API; the v1 API in crash-safety-v1.slow.test.ts)', () => {
  test('between an upload and its journal write: the task is unconfirmed, never uploaded again', () =>
    expectUnconfirmedNeverUploadedAgain(legacyHarness));
});

test('a graceful stop (SIGINT) while tasks run: picked up by the next run, nothing paid twice', async () => {
  const s = await start({ numbersPerSecond: 5_000 });
  const dir = await tempDir();
  const output = join(dir, 'out.csv');
  const cache = join(dir, 'cache');
  const { child, done } = startCli(checkArgs(output, cache), envFor(s));
  child.stdin!.end();
  s.hooks.beforeStatus = onNth(3, () => child.kill('SIGINT'));
  const stopped = await done;
  expect(stopped.code).toBe(3);
  expect(stopped.stderr).toContain('Stopping');
  s.hooks.beforeStatus = undefined;
  const resumed = await runCli(checkArgs(output, cache), envFor(s));
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput()));
  expect(s.ledger.doubleCharged()).toEqual({});
  expect(s.ledger.numbersCharged).toBe(10_000);
}, 120_000);

test('two processes on one cache folder: the second fails at once with WA_CACHE_LOCKED', async () => {
  const s = await start({ numbersPerSecond: 50 });
  const dir = await tempDir();
  const cache = join(dir, 'cache');
  const first = startCli(checkArgs(join(dir, 'a.csv'), cache), envFor(s));
  first.child.stdin!.end();
  await new Promise<void>((resolve) => {
    s.hooks.afterCreate = () => resolve();
  });
  const second = await runCli(checkArgs(join(dir, 'b.csv'), cache), envFor(s));
  first.child.kill('SIGKILL');
  await first.done;
  expect(second.code).toBe(1);
  expect(second.stderr).toContain('WA_CACHE_LOCKED');
  expect(second.stderr).toContain(cache);
}, 120_000);

describe('library jobs', () => {
  async function drain(job: AsyncIterable<CheckResult>): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for await (const result of job) results.push(result);
    return results;
  }

  // Two tasks of 500: the v1 minimum for ws, and the legacy sizing at two slots.
  test.each(APIS)(
    'lost create answers: nothing uploaded twice, reported unanswered, answered on resubmit (%s API)',
    async (api) => {
      const s = await start();
      const cacheDir = await tempDir();
      const numbers = swissNumbers(1000);
      s.faults.add({ on: 'create', kind: 'drop-after-create' });
      const first = checkNumbers(numbers, { client: clientFor(s, { api }), cacheDir, concurrency: 2 });
      const results = await drain(first);
      const summary = await first.summary;
      expect(summary).toMatchObject({
        numbersUnconfirmed: 500,
        unansweredByReason: { create_unconfirmed: 500 },
        complete: false,
      });
      expect(results.filter((r) => r.reason === 'create_unconfirmed')).toHaveLength(500);
      expect(s.ledger.numbersCharged).toBe(1000);

      const again = checkNumbers(numbers, { client: clientFor(s, { api }), cacheDir });
      await drain(again);
      expect((await again.summary).unansweredByReason).toEqual({ create_unconfirmed: 500 });
      expect(s.ledger.numbersCharged).toBe(1000);

      const resubmit = checkNumbers(numbers, { client: clientFor(s, { api }), cacheDir, resubmitUnconfirmed: true });
      const final = await drain(resubmit);
      expect(final.every((r) => r.whatsapp === s.oracle.answer(r.number!))).toBe(true);
      expect(s.ledger.numbersCharged).toBe(1500);
    },
  );

  test.each(APIS)(
    'a task that cannot be collected is reported with its error, and the next run collects it unpaid (%s API)',
    async (api) => {
      const s = await start();
      const cacheDir = await tempDir();
      const numbers = swissNumbers(500);
      s.faults.add({ on: 'status', kind: 'status', status: 503, times: 100 });
      const client = clientFor(s, { api, retry: { retries: 1, minDelayMs: 5, maxDelayMs: 5 } });
      const first = checkNumbers(numbers, { client, cacheDir, concurrency: 1 });
      const results = await drain(first);
      const summary = await first.summary;
      expect(results.every((r) => r.reason === 'task_error')).toBe(true);
      expect(summary.taskErrors).toEqual([expect.objectContaining({ code: ErrorCodes.SERVER_ERROR })]);
      expect(s.ledger.numbersCharged).toBe(500);
      s.faults.clear();
      const again = checkNumbers(numbers, { client: clientFor(s, { api }), cacheDir });
      const answered = await drain(again);
      expect(answered.every((r) => r.whatsapp === s.oracle.answer(r.number!))).toBe(true);
      expect(s.ledger.numbersCharged).toBe(500);
    },
  );

  test('dry run pays nothing; max spend is honoured', async () => {
    const s = await start();
    const numbers = swissNumbers(1000);
    const dry = checkNumbers(numbers, { dryRun: true });
    const results = await drain(dry);
    expect(results.every((r) => r.reason === 'dry_run')).toBe(true);
    expect((await dry.summary).dryRun).toEqual({ numbers: 1000, tasks: 5 });
    const capped = checkNumbers(numbers, { client: clientFor(s), maxSpend: 250 });
    await drain(capped);
    expect(await capped.summary).toMatchObject({
      numbersUploaded: 250,
      unansweredByReason: { max_spend_reached: 750 },
    });
    expect(s.ledger.numbersCharged).toBe(250);
  });

  test('a damaged journal entry is WA_CACHE_CORRUPT, never silently reset', async () => {
    const dir = await tempDir();
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db
      .sublevel<string, string>('journal', { keyEncoding: 'utf8', valueEncoding: 'utf8' })
      .put('abc', '{"state": "submi');
    const journal = new LevelTaskJournal(db);
    await expect(journal.open()).rejects.toMatchObject({ code: ErrorCodes.CACHE_CORRUPT });
    await db.close();
    const job = checkNumbers(['+41798284651'], { dryRun: true, cacheDir: dir });
    await expect(drain(job)).rejects.toMatchObject({ code: ErrorCodes.CACHE_CORRUPT });
  });
});
