import { describe, expect, test } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryResultCache } from '../src/store/memory-result-cache.js';
import { e164ToKey } from '../src/dedupe/number-table.js';
import { State } from '../src/job/answer-state.js';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import { JobState } from '../src/job/job-state.js';
import { TaskRunner } from '../src/job/run-tasks.js';
import { MemoryTaskJournal } from '../src/store/task-journal.js';
import type { LedgerSnapshot, RunningSimulator } from '../src/simulator/index.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

const { start } = useFastSimulators();
const tempDir = useTempDirs();

/** What the provider charged, read where a user would: its admin ledger, over HTTP. */
async function ledgerOf(s: RunningSimulator): Promise<LedgerSnapshot> {
  return (await (await fetch(`${s.url}/__admin/ledger`)).json()) as LedgerSnapshot;
}

/**
 * Six tasks of 500, one at a time. The status of every task but the first is held until the
 * consumer has left (`left()`), so that how far the job got does not depend on the machine's
 * speed: the first task answers, the second may be created, none is seen to finish.
 */
async function sixTaskJob() {
  const s = await start({ failureShare: 0 });
  const taskIds: string[] = [];
  s.hooks.afterCreate = (taskId) => {
    taskIds.push(taskId);
  };
  let left!: () => void;
  const consumerLeft = new Promise<void>((resolve) => (left = resolve));
  s.hooks.beforeStatus = async (taskId) => {
    if (taskId !== taskIds[0]) await consumerLeft;
  };
  const cacheDir = await tempDir();
  const spoolDir = await tempDir();
  const numbers = swissNumbers(3000);
  const options = { client: clientFor(s), cacheDir, tempDir: spoolDir, concurrency: 1, maxTaskSize: 500 };
  return { s, numbers, options, left, spoolDir };
}

async function drain(job: ReturnType<typeof checkNumbers>) {
  for await (const _ of job.blocks()) void _;
  return job.summary;
}

describe('a consumer that leaves early', () => {
  test('break: no new task, the summary settles unfinished, the next run collects what was in flight', async () => {
    const { s, numbers, options, left, spoolDir } = await sixTaskJob();
    const job = checkNumbers(numbers, options);
    for await (const result of job) {
      expect(result.row).toBe(1);
      break;
    }
    left();
    const summary = await job.summary;
    const ledger = await ledgerOf(s);
    // The first task, and at most the one created when its slot freed: far less than the list.
    expect(ledger.tasksCreated).toBeLessThanOrEqual(2);
    expect(ledger.numbersCharged).toBeLessThanOrEqual(1000);
    expect(summary).toMatchObject({ finished: false, complete: false, numbersCharged: ledger.numbersCharged });
    expect(summary.answeredByApi).toBeGreaterThanOrEqual(500);
    // The spool is gone; the cache folder is closed (the next run opens it).
    expect(await readdir(spoolDir)).toEqual([]);

    const again = checkNumbers(numbers, options);
    const results: CheckResult[] = [];
    for await (const result of again) results.push(result);
    const resumed = await again.summary;
    expect(results.map((r) => r.number)).toEqual(numbers);
    expect(results.every((r) => r.whatsapp === s.oracle.answer(r.number!))).toBe(true);
    expect(resumed).toMatchObject({ finished: true, numbersCharged: 3000 - ledger.numbersCharged });
    const after = await ledgerOf(s);
    expect(after.numbersCharged).toBe(3000);
    expect(after.doubleCharged).toEqual({});
  });

  test('return() on blocks(): the same, and the job stops before its second task is collected', async () => {
    const { s, numbers, options, left } = await sixTaskJob();
    const job = checkNumbers(numbers, options);
    const blocks = job.blocks();
    const first = await blocks.next();
    expect(first.done).toBe(false);
    await blocks.return(undefined);
    left();
    const summary = await job.summary;
    const ledger = await ledgerOf(s);
    expect(ledger.numbersCharged).toBeLessThanOrEqual(1000);
    expect(summary).toMatchObject({ finished: false, numbersCharged: ledger.numbersCharged });
    expect(summary.answeredByApi).toBeLessThan(1000);
  });

  test('break while a cached file is still read: reading stops and the summary settles', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    const numbers = swissNumbers(20_000);
    const file = join(await tempDir(), 'input.csv');
    await writeFile(file, `phone\n${numbers.join('\n')}\n`);
    await drain(checkNumbers(file, { client: clientFor(s), cacheDir }));
    const charged = s.ledger.numbersCharged;

    const job = checkNumbers(file, { client: clientFor(s), cacheDir });
    for await (const result of job) {
      expect(result.source).toBe('cache');
      break;
    }
    const summary = await job.summary;
    expect(summary).toMatchObject({ finished: false, numbersCharged: 0 });
    expect(s.ledger.numbersCharged).toBe(charged);
    // Released: the cache folder opens again at once.
    const next = await drain(checkNumbers(file, { client: clientFor(s), cacheDir }));
    expect(next).toMatchObject({ finished: true, cacheHits: numbers.length, numbersCharged: 0 });
  });
});

/**
 * A TaskRunner over 1,500 planned numbers in tasks of 500, one at a time, against a simulator that
 * fails nothing; `signal` is the job's (the CLI's Ctrl-C).
 */
async function runnerOf1500(signal: AbortSignal | undefined) {
  const s = await start({ failureShare: 0 });
  const numbers = swissNumbers(1500);
  const state = new JobState();
  state.dedupe(Float64Array.from(numbers, e164ToKey));
  state.planUnknown();
  const journal = new MemoryTaskJournal();
  const runner = new TaskRunner({
    client: clientFor(s),
    cache: new MemoryResultCache(),
    journal,
    state,
    sizing: { concurrency: 1, minTaskSize: 1, maxTaskSize: 500 },
    budget: Number.POSITIVE_INFINITY,
    signal,
    changed: () => {},
  });
  return { s, numbers, state, journal, runner };
}

test('TaskRunner.stop() - a create under way is let finish and journaled submitted; no task is created after it', async () => {
  const { s, numbers, state, journal, runner } = await runnerOf1500(undefined);
  // The consumer leaves while the first create is at the provider, its answer not sent yet.
  s.hooks.afterCreate = () => runner.stop();
  await runner.check(numbers);
  const entries = await journal.open();
  expect(entries.map((entry) => [entry.state, entry.numbers.length])).toEqual([['submitted', 500]]);
  expect(s.ledger.tasksCreated).toBe(1);
  expect(state.counts).toMatchObject({ tasks: 1, numbersCharged: 500, numbersUnconfirmed: 0, answeredByApi: 0 });
  expect(new Set(numbers.map((number) => state.stateOf(e164ToKey(number))))).toEqual(new Set([State.ABORTED]));
});

test("the job's signal (Ctrl-C in the CLI) - a create under way is let finish and journaled submitted, not left unconfirmed", async () => {
  // Seen in CI: the CLI's graceful stop test found its next run ending `create_unconfirmed` (exit
  // 3) when Ctrl-C came while a create was at the provider: the signal aborted the paid call.
  const stop = new AbortController();
  const { s, numbers, state, journal, runner } = await runnerOf1500(stop.signal);
  // Ctrl-C while the first create is at the provider, its answer not sent yet.
  s.hooks.afterCreate = () => stop.abort();
  await runner.check(numbers);
  const entries = await journal.open();
  expect(entries.map((entry) => [entry.state, entry.numbers.length])).toEqual([['submitted', 500]]);
  expect(s.ledger.tasksCreated).toBe(1);
  expect(state.counts).toMatchObject({ tasks: 1, numbersCharged: 500, numbersUnconfirmed: 0 });
  expect(s.ledger.doubleCharged()).toEqual({});
});
