import { describe, expect, test } from 'vitest';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { MemoryResultCache } from '../src/store/memory-result-cache.js';
import { ErrorCodes } from '../src/errors.js';
import { resultCacheContract } from '../src/testing/index.js';
import type { ResultCache } from '../src/store/result-cache.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

/** A cache with only the core methods, as a third party may write one: the suite checks what withDefaults() puts in place of the rest. */
class CoreOnlyCache implements ResultCache {
  readonly #inner = new MemoryResultCache();
  getMany(numbers: readonly string[]) {
    return this.#inner.getMany(numbers);
  }
  putMany(entries: Parameters<ResultCache['putMany']>[0]) {
    return this.#inner.putMany(entries);
  }
  deleteMany(numbers: readonly string[]) {
    return this.#inner.deleteMany(numbers);
  }
  close() {
    return this.#inner.close();
  }
}

describe('ResultCache contract', () => {
  resultCacheContract('MemoryResultCache', async () => ({ cache: new MemoryResultCache() }));
  resultCacheContract('a core-only cache, through withDefaults()', async () => ({ cache: new CoreOnlyCache() }));
  resultCacheContract(
    'LevelResultCache',
    async () => {
      const dir = await tempDir();
      return { cache: await LevelResultCache.open(dir), reopen: () => LevelResultCache.open(dir) };
    },
    { durable: true },
  );
  resultCacheContract(
    'LevelResultCache without its memory layer',
    async () => {
      const dir = await tempDir();
      return {
        cache: await LevelResultCache.open(dir, { memoryEntries: 1 }),
        reopen: () => LevelResultCache.open(dir, { memoryEntries: 1 }),
      };
    },
    { durable: true },
  );
});

test('LevelResultCache.open() - a folder in use is WA_CACHE_LOCKED, naming the folder', async () => {
  const dir = await tempDir();
  const first = await LevelResultCache.open(dir);
  try {
    // The same process opening twice hits LevelDB's lock exactly as a second process would.
    await expect(LevelResultCache.open(dir)).rejects.toMatchObject({
      code: ErrorCodes.CACHE_LOCKED,
      message: expect.stringContaining(dir),
    });
  } finally {
    await first.close();
  }
});

test('LevelResultCache.open() - a damaged folder is WA_CACHE_CORRUPT, and is left as it was', async () => {
  const dir = join(await tempDir(), 'cache');
  await mkdir(dir);
  await writeFile(join(dir, 'CURRENT'), 'MANIFEST-000099\n');
  await expect(LevelResultCache.open(dir)).rejects.toMatchObject({
    code: ErrorCodes.CACHE_CORRUPT,
    message: expect.stringContaining('not reset'),
  });
  expect((await readdir(dir)).sort()).toContain('CURRENT');
});
