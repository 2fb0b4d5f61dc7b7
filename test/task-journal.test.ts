import { describe } from 'vitest';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { MemoryTaskJournal } from '../src/store/task-journal.js';
import { taskJournalContract, type OpenedTaskJournal } from '../src/testing/index.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

/** The journal of a cache folder, as a job with `cacheDir` uses it. */
async function folderJournal(dir: string): Promise<OpenedTaskJournal> {
  const cache = await LevelResultCache.open(dir);
  return { journal: cache.journal, close: () => cache.close(), reopen: () => folderJournal(dir) };
}

describe('TaskJournal contract', () => {
  taskJournalContract('MemoryTaskJournal', async () => ({ journal: new MemoryTaskJournal(), close: async () => {} }));
  taskJournalContract('LevelTaskJournal (a cache folder)', async () => folderJournal(await tempDir()), {
    durable: true,
  });
});
