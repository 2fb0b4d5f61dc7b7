import { Level } from 'level';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { checkNumbers } from '../src/job/check-numbers.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { type JournalEntry, MemoryTaskJournal, type TaskJournal } from '../src/store/task-journal.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { rejection } from './helpers/expectations.js';

// Issue #14 item 6: a null or malformed journal entry gave a bare TypeError on resume. The journal
// is the record of what was paid for: a damaged entry must be WA_CACHE_CORRUPT naming it.

const tempDir = useTempDirs();

/** Puts raw values into a cache folder's journal, as a damaged disk or an old version might leave them. */
async function folderWithJournal(values: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  await (await LevelResultCache.open(dir)).close();
  const database = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  const journal = database.sublevel<string, string>('journal', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  for (const [key, value] of Object.entries(values)) await journal.put(key, value);
  await database.close();
  return dir;
}

const good = { id: 'a1', state: 'submitted', numbers: ['+41791000001'], count: 1, taskId: 't1', updatedAt: 1 };

describe('LevelTaskJournal.open() - a damaged entry is WA_CACHE_CORRUPT naming it', () => {
  test.each([
    ['null', 'null'],
    ['a number', '42'],
    ['no state', JSON.stringify({ ...good, state: undefined })],
    ['an unknown state', JSON.stringify({ ...good, state: 'paid' })],
    ['numbers that are not a list', JSON.stringify({ ...good, numbers: 'all' })],
    ['a resultError with an unknown code', JSON.stringify({ ...good, resultError: { code: 'WA_X', tries: 1 } })],
  ])('%s', async (_what, value) => {
    const dir = await folderWithJournal({ 'task-7f3a': value });
    const cache = await LevelResultCache.open(dir);
    try {
      const error = await rejection(cache.journal.open());
      expect(error.code).toBe(ErrorCodes.CACHE_CORRUPT);
      expect(error.message).toContain('task-7f3a');
      expect(error).not.toBeInstanceOf(TypeError);
    } finally {
      await cache.close();
    }
  });

  test('a job on that folder fails with WA_CACHE_CORRUPT, not a TypeError', async () => {
    const dir = await folderWithJournal({ 'task-7f3a': 'null' });
    const job = checkNumbers(['+41791000001'], { cacheDir: dir, dryRun: true });
    const error = await rejection(
      (async () => {
        for await (const _ of job) {
          // drained
        }
      })(),
    );
    expect(error).toMatchObject({ code: ErrorCodes.CACHE_CORRUPT });
    expect(error.message).toContain('task-7f3a');
  });

  test('a well-formed entry with a resultError reads back as written', async () => {
    const entry = { ...good, resultError: { code: ErrorCodes.RESULT_INVALID, tries: 1, message: 'bad zip' } };
    const dir = await folderWithJournal({ a1: JSON.stringify(entry) });
    const cache = await LevelResultCache.open(dir);
    try {
      expect(await cache.journal.open()).toEqual([entry]);
    } finally {
      await cache.close();
    }
  });
});

describe('MemoryTaskJournal - a malformed entry never becomes a TypeError', () => {
  test.each([
    ['null', null],
    ['no id', { ...good, id: undefined }],
    ['a count that is not a number', { ...good, count: '1' }],
  ])('.write() of %s: WA_CACHE_CORRUPT, and the journal stays readable', async (_what, value) => {
    const journal: TaskJournal = new MemoryTaskJournal();
    const error = await rejection(journal.write(value as unknown as JournalEntry));
    expect(error.code).toBe(ErrorCodes.CACHE_CORRUPT);
    expect(await journal.open()).toEqual([]);
  });

  test('a job whose own journal hands back null fails with WA_CACHE_CORRUPT naming the journal', async () => {
    const journal: TaskJournal = {
      write: async () => {},
      remove: async () => {},
      open: async () => [null as unknown as JournalEntry],
    };
    const job = checkNumbers(['+41791000001'], { journal, dryRun: true, country: 'CH' });
    const error = await rejection(
      (async () => {
        for await (const _ of job) {
          // drained
        }
      })(),
    );
    expect(error.code).toBe(ErrorCodes.CACHE_CORRUPT);
  });
});
