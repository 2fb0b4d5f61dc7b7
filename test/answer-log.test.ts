import { expect, test } from 'vitest';
import { appendFile, copyFile, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ANSWER_LOG_FILE } from '../src/store/answer-log.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import type { CachedAnswer } from '../src/store/result-cache.js';
import { checkNumbers, type CheckResult } from '../src/index.js';
import { firstAppearances } from '../src/testing/index.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();
const at = Date.UTC(2026, 10, 1, 12, 0, 0);

function answers(count: number, from: number, checkedAt: number): Array<[string, CachedAnswer]> {
  return Array.from({ length: count }, (_, i) => [
    `+4178${String(from + i * 7).padStart(7, '0')}`,
    { whatsapp: i % 2 ? 'yes' : 'no', checkedAt },
  ]);
}

/** What a full read through LevelDB says (entries(), never the log), in the form of firstAppearances(). */
async function databaseAnswers(cache: LevelResultCache): Promise<Map<number, string>> {
  const all = new Map<number, string>();
  for await (const [number, answer] of cache.entries())
    all.set(Number(number.slice(1)), `${answer.whatsapp}@${Math.floor(answer.checkedAt / 1000)}`);
  return all;
}

async function reopened(cache: LevelResultCache): Promise<LevelResultCache> {
  await cache.close();
  return LevelResultCache.open(cache.path);
}

test('a new cache keeps its answer log from the first answer: reopened, a full read comes from it and agrees with LevelDB', async () => {
  let cache = await LevelResultCache.open(await tempDir());
  expect(cache.answerLog).toBeDefined();
  await cache.putMany(answers(2000, 1_000_000, at));
  // Some answered again, later and the other way: the log then holds them twice.
  await cache.putMany(
    answers(500, 1_000_000, at + 90_000).map(([number, answer]) => [
      number,
      { ...answer, whatsapp: answer.whatsapp === 'yes' ? 'no' : 'yes' },
    ]),
  );
  cache = await reopened(cache);
  expect(cache.answerLog).toBeDefined();
  const fromLog = await firstAppearances(cache);
  expect(fromLog.size).toBe(2000);
  expect(fromLog).toEqual(await databaseAnswers(cache));
  await cache.close();
});

test('records written to the log but never committed (a crash between the two writes) are not read, and are overwritten', async () => {
  let cache = await LevelResultCache.open(await tempDir());
  await cache.putMany(answers(100, 2_000_000, at));
  const logPath = join(cache.path, ANSWER_LOG_FILE);
  await cache.close();
  // What an append leaves when the process dies before LevelDB commits the answers and the marker.
  const log = await readFile(logPath);
  await appendFile(
    logPath,
    log.subarray(32, 32 + 16 * 50).map((byte, i) => (i % 16 === 0 ? byte ^ 0x40 : byte)),
  );
  cache = await LevelResultCache.open(cache.path);
  expect(cache.answerLog).toBeDefined();
  expect(await firstAppearances(cache)).toEqual(await databaseAnswers(cache));
  await cache.putMany(answers(30, 3_000_000, at + 1000));
  cache = await reopened(cache);
  const fromLog = await firstAppearances(cache);
  expect(fromLog.size).toBe(130);
  expect(fromLog).toEqual(await databaseAnswers(cache));
  await cache.close();
});

test('a log that is missing, cut short or from another cache is not trusted: reads go to LevelDB, which writes a new one', async () => {
  const other = await LevelResultCache.open(await tempDir());
  await other.putMany(answers(10, 9_000_000, at));
  await other.close();
  const damages: Array<(logPath: string) => Promise<void>> = [
    (logPath) => rm(logPath),
    (logPath) => truncate(logPath, 32 + 16 * 40),
    (logPath) => copyFile(join(other.path, ANSWER_LOG_FILE), logPath),
    (logPath) => writeFile(logPath, 'not a log at all'),
  ];
  for (const damage of damages) {
    let cache = await LevelResultCache.open(await tempDir());
    await cache.putMany(answers(300, 4_000_000, at));
    await cache.close();
    await damage(join(cache.path, ANSWER_LOG_FILE));
    cache = await LevelResultCache.open(cache.path);
    expect(cache.answerLog).toBeUndefined();
    // Answers stored meanwhile are in LevelDB only, and the full read finds them.
    await cache.putMany(answers(20, 5_000_000, at + 1000));
    const read = await firstAppearances(cache);
    expect(read.size).toBe(320);
    expect(cache.answerLog).toBeDefined();
    cache = await reopened(cache);
    expect(cache.answerLog).toBeDefined();
    expect(await firstAppearances(cache)).toEqual(read);
    await cache.close();
  }
});

test('a log replaced while the cache is open is noticed at the read, which falls back to LevelDB', async () => {
  const other = await LevelResultCache.open(await tempDir());
  await other.putMany(answers(400, 8_000_000, at));
  await other.close();
  const cache = await LevelResultCache.open(await tempDir());
  await cache.putMany(answers(300, 4_000_000, at));
  await copyFile(join(other.path, ANSWER_LOG_FILE), join(cache.path, ANSWER_LOG_FILE));
  const read = await firstAppearances(cache);
  expect(read).toEqual(await databaseAnswers(cache));
  expect(read.size).toBe(300);
  await cache.close();
});

test('a log is rebuilt only from a read that ran to the end with nothing written meanwhile', async () => {
  const cache = await LevelResultCache.open(await tempDir());
  await cache.putMany(answers(5000, 1_000_000, at));
  await cache.deleteMany(['+41780000000']);
  expect(cache.answerLog).toBeUndefined();

  // Left early: no log.
  for await (const _batch of cache.answerBatches()) break;
  expect(cache.answerLog).toBeUndefined();

  // An answer stored while the read runs: the read's snapshot lacks it, so its log is not kept.
  let first = true;
  for await (const _batch of cache.answerBatches()) {
    if (first) await cache.putMany(answers(1, 7_000_000, at + 5000));
    first = false;
  }
  expect(cache.answerLog).toBeUndefined();

  const read = await firstAppearances(cache);
  expect(read.size).toBe(5001);
  expect(cache.answerLog).toBeDefined();
  await cache.close();
});

test('an answer older than the log holds drops the log (a number read newest first must never meet a fresher old copy)', async () => {
  let cache = await LevelResultCache.open(await tempDir());
  const [number, answer] = answers(1, 6_000_000, at + 60_000)[0]!;
  await cache.putMany([[number, answer]]);
  await cache.putMany([[number, { whatsapp: answer.whatsapp === 'yes' ? 'no' : 'yes', checkedAt: at }]]);
  expect(cache.answerLog).toBeUndefined();
  cache = await reopened(cache);
  expect(cache.answerLog).toBeUndefined();
  const read = await firstAppearances(cache);
  expect(read.get(Number(number.slice(1)))).toBe(`${answer.whatsapp === 'yes' ? 'no' : 'yes'}@${at / 1000}`);
  await cache.close();
});

test('a log made mostly of answers checked again is rewritten by the next full read, without them', async () => {
  let cache = await LevelResultCache.open(await tempDir());
  const logPath = join(cache.path, ANSWER_LOG_FILE);
  const numbers = answers(60_000, 1_000_000, at);
  const checkedAgain = (seconds: number) =>
    numbers.map(([number, answer]) => [number, { ...answer, checkedAt: at + seconds * 1000 }] as const);
  await cache.putMany(numbers);
  await cache.putMany(checkedAgain(60));
  // Half the records are superseded: not yet worth a rewrite.
  cache = await reopened(cache);
  expect((await firstAppearances(cache)).size).toBe(60_000);
  expect((await stat(logPath)).size).toBe(32 + 120_000 * 16);
  await cache.putMany(checkedAgain(120));
  const read = await firstAppearances(cache);
  expect(read).toEqual(await databaseAnswers(cache));
  expect([...read.values()].every((answer) => answer.endsWith(`@${at / 1000 + 120}`))).toBe(true);
  expect((await stat(logPath)).size).toBe(32 + 60_000 * 16);
  cache = await reopened(cache);
  expect(cache.answerLog).toBeDefined();
  expect(await firstAppearances(cache)).toEqual(read);
  await cache.close();
});

test('a warm job answers the same rows whether the cache reads from its log or from LevelDB', async () => {
  const dir = await tempDir();
  const numbers = answers(4000, 1_000_000, Date.now());
  const cache = await LevelResultCache.open(join(dir, 'cache'));
  await cache.putMany(numbers);
  await cache.close();
  const input = join(dir, 'list.csv');
  await writeFile(
    input,
    `phone\n${numbers.map(([number], i) => (i % 10 === 0 ? 'junk' : number)).join('\n')}\n${numbers[1]![0]}\n`,
  );

  async function run(): Promise<{ results: CheckResult[]; cacheHits: number }> {
    const job = checkNumbers(input, { cacheDir: join(dir, 'cache'), dryRun: true });
    const results: CheckResult[] = [];
    for await (const result of job) results.push(result);
    return { results, cacheHits: (await job.summary).cacheHits };
  }
  const fromLog = await run();
  expect(fromLog.cacheHits).toBe(3600);
  // A row repeats a number exactly when an earlier row holds it (here, only the last row).
  const seen = new Set<string>();
  const repeats = fromLog.results.map((result) => {
    if (result.number === null) return false;
    const repeat = seen.has(result.number);
    seen.add(result.number);
    return repeat;
  });
  expect(fromLog.results.map((result) => result.duplicate)).toEqual(repeats);
  expect(fromLog.results.at(-1)).toMatchObject({ number: numbers[1]![0], duplicate: true, source: 'cache' });
  await rm(join(dir, 'cache', ANSWER_LOG_FILE));
  const fromDatabase = await run();
  expect(fromDatabase).toEqual(fromLog);
  expect(fromLog.results.filter((result) => result.source === 'cache')).toHaveLength(3601);
});
