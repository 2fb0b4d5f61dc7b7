import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect } from 'vitest';
import type { RunningSimulator, SimulatorOptions } from '../../src/simulator/index.js';
import { type CliRun, runCli, startCli } from './cli.js';
import { startFastSimulator, useFastSimulators } from './fast-sim.js';
import { swissNumbers } from './sim-http.js';
import { useTempDirs } from './temp-dir.js';

// Kill-and-resume tests of the CLI: a job of `count` numbers in tasks of `taskSize`, killed at a
// moment a simulator hook or the input picks (never a fixed time), then run again.

const KEY = 'sk_crash_test';
const SIM: SimulatorOptions = {
  apiKey: KEY,
  numbersPerSecond: 100_000,
  queueDelayMs: 20,
  exportDelayMs: 50,
  failureShare: 0,
};

export interface KillRun {
  s: RunningSimulator;
  killed: CliRun;
  resumed: CliRun;
  output: string;
  cache: string;
}

/** For a test file: a CSV of `count` numbers, and the output of a clean run of it (before all tests). */
export function useCrashHarness({
  count,
  taskSize,
  api = 'legacy',
}: {
  count: number;
  taskSize: number;
  /** The provider's API version the CLI speaks (WA_CHECK_API). */
  api?: 'legacy' | 'v1';
}) {
  const tempDir = useTempDirs();
  const { start } = useFastSimulators(SIM);
  const tasks = Math.ceil(count / taskSize);
  let input = '';
  let cleanOutput = '';

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wa-check-crash-'));
    input = join(dir, 'input.csv');
    await writeFile(input, inputCsv());
    // The reference: a clean run, on its own simulator (same seed, so the same answers) and cache.
    const s = await startFastSimulator(SIM);
    const run = await runCli(checkArgs(join(dir, 'clean.csv'), join(dir, 'clean-cache')), envFor(s));
    await s.close();
    expect(run.code).toBe(0);
    cleanOutput = await readFile(join(dir, 'clean.csv'), 'utf8');
  }, 120_000);

  function inputCsv(): string {
    return `phone\n${swissNumbers(count).join('\n')}\n`;
  }

  function envFor(s: RunningSimulator): Record<string, string> {
    return { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: KEY, WA_CHECK_USER_ID: 'crash', WA_CHECK_API: api };
  }

  function checkArgs(output: string, cache: string, extra: string[] = [], from = input): string[] {
    return [
      'check',
      from,
      '-o',
      output,
      '--cache',
      cache,
      '--task-size',
      String(taskSize),
      '--concurrency',
      '5',
      '--poll-interval',
      '30',
      ...extra,
    ];
  }

  /** Both outputs' answers, less the rows `resumed` reports as unconfirmed creates. */
  function compareConfirmed(resumed: string): void {
    const unconfirmed = new Set(
      resumed
        .split('\n')
        .filter((line) => line.includes('create_unconfirmed'))
        .map((line) => line.split(',')[0]),
    );
    const keep = (line: string) => !unconfirmed.has(line.split(',')[0]);
    expect(answers(resumed).filter(keep)).toEqual(answers(cleanOutput).filter(keep));
  }

  /**
   * Runs the job, kills it with SIGKILL at the moment `arm` picks, runs it again, and checks the
   * invariants: no number paid twice, and the output of the resumed job equals a clean run's.
   * With `viaStdin`, the killed run reads its input from stdin and `arm` writes it.
   */
  async function killAndResume(
    arm: (s: RunningSimulator, kill: () => void, output: string, stdin: NodeJS.WritableStream) => void,
    extra: string[] = [],
    { viaStdin = false } = {},
  ): Promise<KillRun> {
    const s = await start();
    const dir = await tempDir();
    const output = join(dir, 'out.csv');
    const cache = join(dir, 'cache');
    const { child, done } = startCli(checkArgs(output, cache, extra, viaStdin ? '-' : input), envFor(s));
    if (!viaStdin) child.stdin!.end();
    // A kill can land while the test still writes to stdin.
    child.stdin!.on('error', () => {});
    arm(s, () => child.kill('SIGKILL'), output, child.stdin!);
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    s.hooks.afterCreate = s.hooks.beforeStatus = s.hooks.beforeDownload = undefined;
    const resumed = await runCli(checkArgs(output, cache, extra), envFor(s));
    expect(s.ledger.doubleCharged()).toEqual({});
    return { s, killed, resumed, output, cache };
  }

  /**
   * With `--concurrency <tasks>` (every task created in one round): tells when every task's create
   * has been journaled, which the client does before it first reads that task's status (creates
   * are serialized). A kill from then on leaves no create in flight.
   */
  function whenAllSubmitted(sim: RunningSimulator, onStatus?: (submitted: boolean) => Promise<void>): () => boolean {
    let created = 0;
    let last: string | undefined;
    let submitted = false;
    sim.hooks.afterCreate = (taskId) => {
      if (++created === tasks) last = taskId;
    };
    sim.hooks.beforeStatus = async (taskId) => {
      if (taskId === last) submitted = true;
      await onStatus?.(submitted);
    };
    return () => submitted;
  }

  return {
    start,
    tempDir,
    envFor,
    checkArgs,
    inputCsv,
    compareConfirmed,
    killAndResume,
    whenAllSubmitted,
    /** Every task created in one round. */
    oneRound: ['--concurrency', String(tasks)],
    cleanOutput: () => cleanOutput,
  };
}

/**
 * A result CSV as rows and answers: the `source` column is left out, since answers paid for by the
 * killed run come back from the cache in the resumed one.
 */
export function answers(csv: string): string[] {
  return csv.split('\n').map((line) =>
    line
      .split(',')
      .filter((_, column) => column !== 4)
      .join(','),
  );
}

/** Calls `kill` on the `n`-th call and holds that answer back long enough for the kill to land. */
export function onNth(n: number, kill: () => void): () => Promise<void> {
  let calls = 0;
  return async () => {
    if (++calls !== n) return;
    kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
}

/**
 * Killed between an upload and its journal write (at the second create): the task is unconfirmed
 * and never uploaded again, until the user asks for it with --resubmit-unconfirmed (then paid
 * twice, knowingly). The same behaviour in each API version (the fast and slow suites).
 */
export async function expectUnconfirmedNeverUploadedAgain(harness: ReturnType<typeof useCrashHarness>): Promise<void> {
  const { envFor, checkArgs, killAndResume, compareConfirmed, cleanOutput } = harness;
  const { s, resumed, output, cache } = await killAndResume((sim, kill) => {
    sim.hooks.afterCreate = onNth(2, kill);
  });
  expect(resumed.code).toBe(3);
  expect(resumed.stderr).toContain('1,000 create_unconfirmed');
  const after = await readFile(output, 'utf8');
  compareConfirmed(after);
  expect(after.split('\n').filter((line) => line.includes('create_unconfirmed'))).toHaveLength(1000);
  expect(s.ledger.numbersCharged).toBe(10_000);

  // Running again changes nothing, until the user asks to resubmit those numbers.
  expect((await runCli(checkArgs(output, cache), envFor(s))).code).toBe(3);
  expect(s.ledger.numbersCharged).toBe(10_000);
  const resubmitted = await runCli(checkArgs(output, cache, ['--resubmit-unconfirmed']), envFor(s));
  expect(resubmitted.code).toBe(0);
  expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput()));
  expect(s.ledger.numbersCharged).toBe(11_000);
  expect(Object.keys(s.ledger.doubleCharged())).toHaveLength(1000);
}
