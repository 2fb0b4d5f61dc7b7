import { describe, expect, test } from 'vitest';
import { Level } from 'level';
import { spawnSync } from 'node:child_process';
import { chmod, open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { checkNumbers, type CheckResult } from '../src/index.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { answerBatchOf } from '../src/store/answer-batch.js';
import { ANSWER_LOG_FILE } from '../src/store/answer-log.js';
import { AnswerLogFile } from '../src/store/answer-log-file.js';
import { repairCache, verifyCache } from '../src/store/cache-repair.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import type { CachedAnswer } from '../src/store/result-cache.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { runCli } from './helpers/cli.js';

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
    expect(await verifyCache(cacheDir)).toMatchObject({ ok: false, logDamagedRecords: 50 });
    await expectNothingWrongNothingBought(s, cacheDir);
    expect(await verifyCache(cacheDir)).toMatchObject({ ok: true, logDamagedRecords: 0 });
  });

  test('cut short, or deleted: rebuilt from LevelDB, nothing bought again', async () => {
    const { s, cacheDir } = await paidCache();
    await truncate(join(cacheDir, ANSWER_LOG_FILE), HEADER + 70 * RECORD + 5);
    await expectNothingWrongNothingBought(s, cacheDir);
    await rm(join(cacheDir, ANSWER_LOG_FILE));
    await expectNothingWrongNothingBought(s, cacheDir);
  });
});

/** The folder's LevelDB files named like `*.log` (its write-ahead logs) or `*.ldb` (its tables), newest last. */
async function levelFiles(cacheDir: string, extension: string): Promise<string[]> {
  return (await readdir(cacheDir))
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => join(cacheDir, name));
}

describe('LevelDB damaged', () => {
  test('garbage in the write-ahead log: WA_CACHE_CORRUPT until repairCache(), which brings every answer back', async () => {
    const { s, cacheDir } = await paidCache();
    const [wal] = (await levelFiles(cacheDir, '.log')).slice(-1);
    const size = (await stat(wal!)).size;
    await overwrite(wal!, Math.floor(size / 3), crypto.getRandomValues(new Uint8Array(64)));
    // LevelDB skips what it cannot read and says so only in its LOG: the folder stays marked damaged.
    await expect(run(s, cacheDir)).rejects.toMatchObject({ code: 'WA_CACHE_CORRUPT', message: /dropp.*repair/s });
    await expect(run(s, cacheDir)).rejects.toMatchObject({ code: 'WA_CACHE_CORRUPT' });
    expect(await verifyCache(cacheDir)).toMatchObject({ ok: false, error: { code: 'WA_CACHE_CORRUPT' } });
    const repair = await repairCache(cacheDir);
    expect(repair.restoredAnswers).toBeGreaterThan(0);
    expect(await verifyCache(cacheDir)).toMatchObject({ ok: true, answers: 200, lostFromDatabase: 0 });
    await expectNothingWrongNothingBought(s, cacheDir);
  });

  test('the write-ahead log cut short: nothing bought again, no wrong answer', async () => {
    const { s, cacheDir } = await paidCache();
    const [wal] = (await levelFiles(cacheDir, '.log')).slice(-1);
    await truncate(wal!, Math.floor((await stat(wal!)).size / 4));
    await expectNothingWrongNothingBought(s, cacheDir);
  });

  test('CURRENT deleted: WA_CACHE_CORRUPT, never a fresh start; repairCache() mends it, nothing bought again', async () => {
    const { s, cacheDir } = await paidCache();
    await rm(join(cacheDir, 'CURRENT'));
    await expect(run(s, cacheDir)).rejects.toMatchObject({ code: 'WA_CACHE_CORRUPT', message: /CURRENT.*repair/s });
    expect(await readdir(cacheDir)).not.toContain('CURRENT');
    expect(await repairCache(cacheDir)).toMatchObject({ repairedDatabase: true });
    await expectNothingWrongNothingBought(s, cacheDir);
  });

  const tableDamages: Array<[string, (table: string) => Promise<void>]> = [
    ['a truncated table', async (table) => truncate(table, Math.floor((await stat(table)).size / 2))],
    ['a corrupt block', (table) => overwrite(table, 100, crypto.getRandomValues(new Uint8Array(200)))],
  ];
  test.each(tableDamages)(
    '%s: WA_CACHE_CORRUPT, not a raw LevelDB error; repairCache() mends it',
    async (_, damage) => {
      const { s, cacheDir } = await paidCache();
      expect(await verifyCache(cacheDir)).toMatchObject({
        ok: true,
        answers: 200,
        logRecords: 200,
        lostFromDatabase: 0,
      });
      // Opening once turns the write-ahead log into a table.
      await (await LevelResultCache.open(cacheDir)).close();
      const [table] = await levelFiles(cacheDir, '.ldb');
      await damage(table!);
      await expect(
        (async () => {
          const cache = await LevelResultCache.open(cacheDir);
          try {
            for await (const _entry of cache.entries());
          } finally {
            await cache.close();
          }
        })(),
      ).rejects.toMatchObject({ code: 'WA_CACHE_CORRUPT', message: /repair/ });
      expect(await verifyCache(cacheDir)).toMatchObject({ ok: false, error: { code: 'WA_CACHE_CORRUPT' } });
      expect(await repairCache(cacheDir)).toMatchObject({ repairedDatabase: true });
      expect(await verifyCache(cacheDir)).toMatchObject({ ok: true, answers: 200 });
      await expectNothingWrongNothingBought(s, cacheDir);
    },
  );
});

test('a folder this user may not write: WA_CACHE_UNWRITABLE, naming the cause, not called damaged', async () => {
  const dir = await tempDir();
  const cacheDir = join(dir, 'cache');
  const cache = await LevelResultCache.open(cacheDir);
  await cache.putMany([['+41791000001', { whatsapp: 'yes', checkedAt: Date.now() }]]);
  await cache.close();
  await chmod(dir, 0o755);
  for (const name of await readdir(cacheDir)) await chmod(join(cacheDir, name), 0o444);
  await chmod(cacheDir, 0o555);
  try {
    // Root writes anywhere, so then the compiled library opens it as nobody.
    const asAnotherUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const opened = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { LevelResultCache } from ${JSON.stringify(join(process.cwd(), 'dist', 'index.js'))};
         LevelResultCache.open(${JSON.stringify(cacheDir)}).then(
           () => console.log('opened'),
           (error) => console.log(error.code, error.message),
         );`,
      ],
      { ...asAnotherUser, encoding: 'utf8' },
    );
    expect(opened.stdout).toMatch(
      /^WA_CACHE_UNWRITABLE .*cannot be written.*Permission denied.*Nothing in it is damaged/,
    );
  } finally {
    await chmod(cacheDir, 0o755);
  }
});

describe('LevelResultCache.open() - answers the log holds and LevelDB lost are put back', () => {
  const at = Date.UTC(2026, 10, 1, 12, 0, 0);
  const answersFrom = (from: number, count: number): Array<[string, CachedAnswer]> =>
    Array.from({ length: count }, (_, i) => [`+4179${from + i}`, { whatsapp: i % 2 ? 'yes' : 'no', checkedAt: at }]);

  test('records appended but never committed (the process died between the two writes) come back', async () => {
    const cacheDir = join(await tempDir(), 'cache');
    let cache = await LevelResultCache.open(cacheDir);
    await cache.putMany(answersFrom(1_000_000, 100));
    await cache.close();
    // What an append leaves when LevelDB never takes the batch: sound records past the marker.
    const file = new AnswerLogFile(join(cacheDir, ANSWER_LOG_FILE));
    const sound = await file.readSound();
    const lost = answersFrom(2_000_000, 30);
    await file.append({ token: sound!.token, count: 100, latestSeconds: 0, superseded: 0 }, answerBatchOf(lost, 30), 0);
    cache = await LevelResultCache.open(cacheDir);
    expect(cache.restoredAtOpen).toBe(30);
    expect(await cache.getMany(lost.map(([number]) => number))).toEqual(lost.map(([, answer]) => answer));
    expect(cache.answerLog).toEqual({ records: 130, superseded: 0 });
    await cache.close();
  });

  test('deleted answers stay deleted: a log given up on purpose is not taken for lost answers', async () => {
    const cacheDir = join(await tempDir(), 'cache');
    let cache = await LevelResultCache.open(cacheDir);
    const stored = answersFrom(3_000_000, 50);
    await cache.putMany(stored);
    await cache.deleteMany(stored.slice(0, 20).map(([number]) => number));
    await cache.close();
    cache = await LevelResultCache.open(cacheDir);
    expect(cache.restoredAtOpen).toBe(0);
    const found = await cache.getMany(stored.map(([number]) => number));
    expect(found.filter((answer) => answer !== undefined)).toHaveLength(30);
    await cache.close();
  });
});

test('verifyCache() counts answers LevelDB lost that the log holds; repairCache() puts them back', async () => {
  const cacheDir = join(await tempDir(), 'cache');
  const cache = await LevelResultCache.open(cacheDir);
  const stored: Array<[string, CachedAnswer]> = NUMBERS.slice(0, 50).map((number, i) => [
    number,
    { whatsapp: i % 2 ? 'yes' : 'no', checkedAt: Date.UTC(2026, 10, 1) },
  ]);
  await cache.putMany(stored);
  await cache.close();
  // Lost behind the cache's back, its marker untouched: as a table LevelDB could not read would leave it.
  const db = new Level<string, string>(cacheDir, { valueEncoding: 'utf8' });
  await db
    .sublevel<string, string>('answers', { valueEncoding: 'utf8' })
    .batch(stored.slice(0, 10).map(([key]) => ({ type: 'del' as const, key })));
  await db.close();
  expect(await verifyCache(cacheDir)).toMatchObject({ ok: false, answers: 40, logRecords: 50, lostFromDatabase: 10 });
  expect(await repairCache(cacheDir)).toMatchObject({ repairedDatabase: false, restoredAnswers: 10 });
  expect(await verifyCache(cacheDir)).toMatchObject({ ok: true, answers: 50, lostFromDatabase: 0 });
  const again = await LevelResultCache.open(cacheDir);
  expect(await again.getMany(stored.map(([number]) => number))).toEqual(stored.map(([, answer]) => answer));
  await again.close();
});

describe('wa-check cache verify | repair (the real CLI)', () => {
  test('verify finds damage (exit 1, names the way out), repair mends it (exit 0), nothing bought again', async () => {
    const { s, cacheDir } = await paidCache();
    const [wal] = (await levelFiles(cacheDir, '.log')).slice(-1);
    await overwrite(wal!, Math.floor((await stat(wal!)).size / 3), crypto.getRandomValues(new Uint8Array(64)));
    const verify = await runCli(['cache', 'verify', '--cache', cacheDir]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('WA_CACHE_CORRUPT');
    expect(verify.stdout).toContain(`wa-check cache repair --cache ${cacheDir}`);
    const repair = await runCli(['cache', 'repair', '--cache', cacheDir]);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toMatch(/Answers restored: [1-9]/);
    expect(repair.stdout).toContain('After repair:     sound');
    const again = await runCli(['cache', 'verify', '--cache', cacheDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Answers:          200 in LevelDB');
    await expectNothingWrongNothingBought(s, cacheDir);
  });
});
