import { beforeAll, describe, expect, test } from 'vitest';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Level } from 'level';
import type { RunningSimulator, SimulatorOptions } from '../src/simulator/index.js';
import { startFastSimulator, useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { runCli, startCli, type CliRun } from './helpers/cli.js';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import { clientFor } from './helpers/clients.js';
import { LevelTaskJournal } from '../src/job/task-journal.js';
import { ErrorCodes } from '../src/errors.js';

const tempDir = useTempDirs();
const KEY = 'sk_crash_test';
const NUMBERS = swissNumbers(50_000);
const SIM: SimulatorOptions = {
  apiKey: KEY,
  numbersPerSecond: 100_000,
  queueDelayMs: 20,
  exportDelayMs: 50,
  failureShare: 0,
};
const { start } = useFastSimulators(SIM);

let input: string;
let cleanOutput: string;
beforeAll(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'wa-check-crash-'));
  input = join(dir, 'input.csv');
  await writeFile(input, `phone\n${NUMBERS.join('\n')}\n`);
  // The reference: a clean run, on its own simulator (same seed, so the same answers) and cache.
  const s = await startFastSimulator(SIM);
  const run = await runCli(checkArgs(join(dir, 'clean.csv'), join(dir, 'clean-cache')), envFor(s));
  await s.close();
  expect(run.code).toBe(0);
  cleanOutput = await readFile(join(dir, 'clean.csv'), 'utf8');
}, 120_000);

function envFor(s: RunningSimulator): Record<string, string> {
  return { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: KEY, WA_CHECK_USER_ID: 'crash' };
}

function checkArgs(output: string, cache: string, extra: string[] = []): string[] {
  return [
    'check',
    input,
    '-o',
    output,
    '--cache',
    cache,
    '--task-size',
    '5000',
    '--concurrency',
    '5',
    '--poll-interval',
    '30',
    ...extra,
  ];
}

/**
 * A result CSV as rows and answers: the `source` column is left out, since answers paid for by the
 * killed run come back from the cache in the resumed one.
 */
function answers(csv: string): string[] {
  return csv.split('\n').map((line) =>
    line
      .split(',')
      .filter((_, column) => column !== 4)
      .join(','),
  );
}

/** Both outputs' answers, less the rows `resumed` reports as unconfirmed creates. */
function compareConfirmed(resumed: string, clean: string): void {
  const unconfirmed = new Set(
    resumed
      .split('\n')
      .filter((line) => line.includes('create_unconfirmed'))
      .map((line) => line.split(',')[0]),
  );
  const keep = (line: string) => !unconfirmed.has(line.split(',')[0]);
  expect(answers(resumed).filter(keep)).toEqual(answers(clean).filter(keep));
}

/**
 * Runs the job, kills it with SIGKILL at the moment `arm` picks, runs it again, and checks the
 * invariants: no number paid twice, and the output of the resumed job equals a clean run's.
 */
async function killAndResume(
  arm: (s: RunningSimulator, kill: () => void, output: string) => void,
  extra: string[] = [],
): Promise<{ s: RunningSimulator; killed: CliRun; resumed: CliRun; output: string; cache: string }> {
  const s = await start();
  const dir = await tempDir();
  const output = join(dir, 'out.csv');
  const cache = join(dir, 'cache');
  const { child, done } = startCli(checkArgs(output, cache, extra), envFor(s));
  child.stdin!.end();
  arm(s, () => child.kill('SIGKILL'), output);
  const killed = await done;
  expect(killed.signal).toBe('SIGKILL');
  s.hooks.afterCreate = s.hooks.beforeStatus = s.hooks.beforeDownload = undefined;
  const resumed = await runCli(checkArgs(output, cache, extra), envFor(s));
  expect(s.ledger.doubleCharged()).toEqual({});
  return { s, killed, resumed, output, cache };
}

/** The size of the output being written: a hidden temporary file beside it, renamed over it at the end. */
async function sizeBeingWritten(path: string): Promise<number> {
  const prefix = `.${basename(path)}.`;
  const temp = (await readdir(dirname(path))).find((name) => name.startsWith(prefix) && name.endsWith('.tmp'));
  if (temp === undefined) throw new Error('not writing yet');
  return (await stat(join(dirname(path), temp))).size;
}

/** The ten tasks of the job (50,000 numbers, --task-size 5000) created in one round. */
const ONE_ROUND = ['--concurrency', '10'];

/**
 * With ONE_ROUND: tells when every task's create has been journaled, which the client does before
 * it first reads that task's status (creates are serialized). A kill from then on leaves no create
 * in flight; a kill during one leaves it unconfirmed, which the test above covers.
 */
function whenAllSubmitted(sim: RunningSimulator, onStatus?: (submitted: boolean) => Promise<void>): () => boolean {
  let created = 0;
  let last: string | undefined;
  let submitted = false;
  sim.hooks.afterCreate = (taskId) => {
    if (++created === 10) last = taskId;
  };
  sim.hooks.beforeStatus = async (taskId) => {
    if (taskId === last) submitted = true;
    await onStatus?.(submitted);
  };
  return () => submitted;
}

/** Calls `kill` on the `n`-th call and holds that answer back long enough for the kill to land. */
function onNth(n: number, kill: () => void): () => Promise<void> {
  let calls = 0;
  return async () => {
    if (++calls !== n) return;
    kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
}

describe('a job killed with SIGKILL and run again', () => {
  test('early, before any upload', async () => {
    const { s, resumed, output } = await killAndResume((_s, kill) => setTimeout(kill, 150));
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput));
    expect(s.ledger.numbersCharged).toBe(50_000);
  });

  test('between an upload and its journal write: the task is unconfirmed, never uploaded again', async () => {
    const { s, resumed, output, cache } = await killAndResume((sim, kill) => {
      sim.hooks.afterCreate = onNth(2, kill);
    });
    expect(resumed.code).toBe(3);
    expect(resumed.stderr).toContain('5,000 create_unconfirmed');
    const after = await readFile(output, 'utf8');
    compareConfirmed(after, cleanOutput);
    expect(after.split('\n').filter((line) => line.includes('create_unconfirmed'))).toHaveLength(5000);
    expect(s.ledger.numbersCharged).toBe(50_000);

    // Running again changes nothing, until the user asks to resubmit those numbers.
    expect((await runCli(checkArgs(output, cache), envFor(s))).code).toBe(3);
    expect(s.ledger.numbersCharged).toBe(50_000);
    const resubmitted = await runCli(checkArgs(output, cache, ['--resubmit-unconfirmed']), envFor(s));
    expect(resubmitted.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput));
    expect(s.ledger.numbersCharged).toBe(55_000);
    expect(Object.keys(s.ledger.doubleCharged())).toHaveLength(5000);
  });

  test('while polling', async () => {
    const { s, resumed, output } = await killAndResume((sim, kill) => {
      const killOnce = onNth(1, kill);
      whenAllSubmitted(sim, async (submitted) => {
        if (submitted) await killOnce();
      });
    }, ONE_ROUND);
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput));
    expect(s.ledger.numbersCharged).toBe(50_000);
  });

  test('while downloading', async () => {
    const { s, resumed, output } = await killAndResume((sim, kill) => {
      const submitted = whenAllSubmitted(sim);
      const killOnce = onNth(1, kill);
      sim.hooks.beforeDownload = async () => {
        if (submitted()) await killOnce();
      };
    }, ONE_ROUND);
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput));
    expect(s.ledger.numbersCharged).toBe(50_000);
  });

  test('while writing the output', async () => {
    const { s, resumed, output } = await killAndResume((sim, kill, path) => {
      const submitted = whenAllSubmitted(sim);
      const timer = setInterval(() => {
        sizeBeingWritten(path).then(
          (size) => {
            if (size > 200_000 && submitted()) {
              clearInterval(timer);
              kill();
            }
          },
          () => {},
        );
      }, 2);
    }, ONE_ROUND);
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput));
    expect(s.ledger.numbersCharged).toBe(50_000);
  });

  test('at timed moments across the whole run', async () => {
    for (const delay of [400, 900, 1400]) {
      const { s, resumed, output } = await killAndResume((_s, kill) => setTimeout(kill, delay));
      compareConfirmed(await readFile(output, 'utf8'), cleanOutput);
      expect([0, 3]).toContain(resumed.code);
      expect(s.ledger.numbersCharged).toBeLessThanOrEqual(50_000);
    }
  }, 180_000);
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
  expect(resumed.code).toBe(0);
  expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput));
  expect(s.ledger.doubleCharged()).toEqual({});
  expect(s.ledger.numbersCharged).toBe(50_000);
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

  test('lost create answers: nothing uploaded twice, reported unanswered, answered on resubmit', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    const numbers = swissNumbers(1000);
    s.faults.add({ on: 'create', kind: 'drop-after-create' });
    const first = checkNumbers(numbers, { client: clientFor(s), cacheDir, concurrency: 5 });
    const results = await drain(first);
    const summary = await first.summary;
    expect(summary).toMatchObject({
      numbersUnconfirmed: 200,
      unansweredByReason: { create_unconfirmed: 200 },
      complete: false,
    });
    expect(results.filter((r) => r.reason === 'create_unconfirmed')).toHaveLength(200);
    expect(s.ledger.numbersCharged).toBe(1000);

    const again = checkNumbers(numbers, { client: clientFor(s), cacheDir });
    await drain(again);
    expect((await again.summary).unansweredByReason).toEqual({ create_unconfirmed: 200 });
    expect(s.ledger.numbersCharged).toBe(1000);

    const resubmit = checkNumbers(numbers, { client: clientFor(s), cacheDir, resubmitUnconfirmed: true });
    const final = await drain(resubmit);
    expect(final.every((r) => r.whatsapp === s.oracle.answer(r.number!))).toBe(true);
    expect(s.ledger.numbersCharged).toBe(1200);
  });

  test('a task that cannot be collected is reported with its error, and the next run collects it unpaid', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    const numbers = swissNumbers(500);
    s.faults.add({ on: 'status', kind: 'status', status: 503, times: 100 });
    const client = clientFor(s, { retry: { retries: 1, minDelayMs: 5, maxDelayMs: 5 } });
    const first = checkNumbers(numbers, { client, cacheDir, concurrency: 1 });
    const results = await drain(first);
    const summary = await first.summary;
    expect(results.every((r) => r.reason === 'task_error')).toBe(true);
    expect(summary.taskErrors).toEqual([expect.objectContaining({ code: ErrorCodes.SERVER_ERROR })]);
    expect(s.ledger.numbersCharged).toBe(500);
    s.faults.clear();
    const again = checkNumbers(numbers, { client: clientFor(s), cacheDir });
    const answered = await drain(again);
    expect(answered.every((r) => r.whatsapp === s.oracle.answer(r.number!))).toBe(true);
    expect(s.ledger.numbersCharged).toBe(500);
  });

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
