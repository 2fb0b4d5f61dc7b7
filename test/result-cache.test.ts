import { describe, expect, test } from 'vitest';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LevelResultCache } from '../src/cache/level-result-cache.js';
import { MemoryResultCache } from '../src/cache/memory-result-cache.js';
import { ErrorCodes } from '../src/errors.js';
import { resultCacheContract } from './result-cache-contract.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('ResultCache contract', () => {
  resultCacheContract('MemoryResultCache', async () => ({ cache: new MemoryResultCache() }));
  resultCacheContract('LevelResultCache', async () => {
    const dir = await tempDir();
    return { cache: await LevelResultCache.open(dir), reopen: () => LevelResultCache.open(dir) };
  });
  resultCacheContract('LevelResultCache without its memory layer', async () => {
    const dir = await tempDir();
    return {
      cache: await LevelResultCache.open(dir, { memoryEntries: 1 }),
      reopen: () => LevelResultCache.open(dir, { memoryEntries: 1 }),
    };
  });
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
