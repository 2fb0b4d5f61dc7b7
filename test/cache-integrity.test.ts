import { describe, expect, test } from 'vitest';
import { open, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { checkNumbers, type CheckResult } from '../src/index.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { ANSWER_LOG_FILE } from '../src/store/answer-log.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();
const { start } = useFastSimulators();
const NUMBERS = swissNumbers(200);
const HEADER = 32;
const RECORD = 16;

/** A cache folder whose 200 answers were paid for, in several tasks (several writes). */
async function paidCache(): Promise<{ s: RunningSimulator; cacheDir: string }> {
  const s = await start();
  const cacheDir = join(await tempDir(), 'cache');
  const first = await run(s, cacheDir);
  expect(first.filter((result) => result.source === 'api')).toHaveLength(200);
  expect(s.ledger.numbersCharged).toBe(200);
  return { s, cacheDir };
}

async function run(s: RunningSimulator, cacheDir: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for await (const result of checkNumbers(NUMBERS, { client: clientFor(s), cacheDir, maxTaskSize: 40 }))
    results.push(result);
  return results;
}

/** The run after the damage: every answer right (the oracle's), none bought again. */
async function expectNothingWrongNothingBought(s: RunningSimulator, cacheDir: string): Promise<void> {
  const results = await run(s, cacheDir);
  const wrong = results.filter((result) => result.whatsapp !== s.oracle.answer(result.number!));
  expect(wrong).toEqual([]);
  expect(results.filter((result) => result.source === 'cache')).toHaveLength(200);
  expect(s.ledger.numbersCharged).toBe(200);
}

/** Overwrites bytes of a file in place. */
async function overwrite(path: string, at: number, bytes: Uint8Array): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.write(bytes, 0, bytes.length, at);
  } finally {
    await file.close();
  }
}

describe('the answer log (wa-answers.bin) damaged', () => {
  test('half its records overwritten with random bytes: none is served, none bought again', async () => {
    const { s, cacheDir } = await paidCache();
    const log = join(cacheDir, ANSWER_LOG_FILE);
    for (let record = 0; record < 200; record += 2)
      await overwrite(log, HEADER + record * RECORD, crypto.getRandomValues(new Uint8Array(RECORD)));
    await expectNothingWrongNothingBought(s, cacheDir);
  });

  test('50 flag bytes flipped (yes <-> no): no wrong answer is served as cached', async () => {
    const { s, cacheDir } = await paidCache();
    const log = join(cacheDir, ANSWER_LOG_FILE);
    const bytes = await readFile(log);
    for (let record = 0; record < 200; record += 4) {
      const flagAt = HEADER + record * RECORD + 12;
      await overwrite(log, flagAt, Uint8Array.of(bytes[flagAt] === 1 ? 2 : 1));
    }
    await expectNothingWrongNothingBought(s, cacheDir);
  });

  test('cut short, or deleted: rebuilt from LevelDB, nothing bought again', async () => {
    const { s, cacheDir } = await paidCache();
    await truncate(join(cacheDir, ANSWER_LOG_FILE), HEADER + 70 * RECORD + 5);
    await expectNothingWrongNothingBought(s, cacheDir);
    await rm(join(cacheDir, ANSWER_LOG_FILE));
    await expectNothingWrongNothingBought(s, cacheDir);
  });
});
