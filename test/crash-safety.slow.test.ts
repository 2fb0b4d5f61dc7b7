import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import { answers, onNth, useCrashHarness } from './helpers/crash-harness.js';

// The kill tests on a job of 50,000 numbers in ten tasks. crash-safety.test.ts kills a smaller job
// between an upload and its journal write, and covers SIGINT, the cache lock and library jobs.

const { killAndResume, whenAllSubmitted, compareConfirmed, cleanOutput, inputCsv, oneRound } = useCrashHarness({
  count: 50_000,
  taskSize: 5000,
});

/** The size of the output being written: a hidden temporary file beside it, renamed over it at the end. */
async function sizeBeingWritten(path: string): Promise<number> {
  const prefix = `.${basename(path)}.`;
  const temp = (await readdir(dirname(path))).find((name) => name.startsWith(prefix) && name.endsWith('.tmp'));
  if (temp === undefined) throw new Error('not writing yet');
  return (await stat(join(dirname(path), temp))).size;
}

describe('a job killed with SIGKILL and run again', () => {
  test('early, before any upload', async () => {
    // Killed while it still reads its input: no task can be cut before the input ends.
    const csv = inputCsv();
    const { s, resumed, output } = await killAndResume(
      (_s, kill, _output, stdin) => {
        stdin.write(csv.slice(0, csv.length / 2), () => kill());
      },
      [],
      { viaStdin: true },
    );
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput()));
    expect(s.ledger.numbersCharged).toBe(50_000);
  });

  test('while polling', async () => {
    const { s, resumed, output } = await killAndResume((sim, kill) => {
      const killOnce = onNth(1, kill);
      whenAllSubmitted(sim, async (submitted) => {
        if (submitted) await killOnce();
      });
    }, oneRound);
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput()));
    expect(s.ledger.numbersCharged).toBe(50_000);
  });

  test('while downloading', async () => {
    const { s, resumed, output } = await killAndResume((sim, kill) => {
      const submitted = whenAllSubmitted(sim);
      const killOnce = onNth(1, kill);
      sim.hooks.beforeDownload = async () => {
        if (submitted()) await killOnce();
      };
    }, oneRound);
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput()));
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
    }, oneRound);
    expect(resumed.code).toBe(0);
    expect(answers(await readFile(output, 'utf8'))).toEqual(answers(cleanOutput()));
    expect(s.ledger.numbersCharged).toBe(50_000);
  });

  // Moments across the whole run, picked by what the job has done (two rounds of five tasks), not
  // by the clock: a fixed time misses the job on a fast machine and lands elsewhere on a slow one.
  const moments: Array<[string, (sim: RunningSimulator, kill: () => void) => void]> = [
    ['at the third create of the first round', (sim, kill) => (sim.hooks.afterCreate = onNth(3, kill))],
    ['at the first download', (sim, kill) => (sim.hooks.beforeDownload = onNth(1, kill))],
    ['at the seventh create, in the second round', (sim, kill) => (sim.hooks.afterCreate = onNth(7, kill))],
    ['at the ninth download', (sim, kill) => (sim.hooks.beforeDownload = onNth(9, kill))],
  ];
  test.each(moments)('%s', async (_name, arm) => {
    const { s, resumed, output } = await killAndResume(arm);
    compareConfirmed(await readFile(output, 'utf8'));
    expect([0, 3]).toContain(resumed.code);
    expect(s.ledger.numbersCharged).toBeLessThanOrEqual(50_000);
  });
});
