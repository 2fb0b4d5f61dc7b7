import { expect, test } from 'vitest';
import { checkNumbers, type CheckResult } from '../src/index.js';
import type { CachedAnswer, ResultCache } from '../src/store/result-cache.js';
import { withDefaults } from '../src/store/with-defaults.js';

/** Only the core methods, counting what a job asks of it. */
class CoreOnlyCache implements ResultCache {
  readonly answers = new Map<string, CachedAnswer>();
  lookedUp = 0;
  async getMany(numbers: readonly string[]) {
    this.lookedUp += numbers.length;
    return numbers.map((number) => this.answers.get(number));
  }
  async putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>) {
    for (const [number, answer] of entries) this.answers.set(number, { ...answer });
  }
  async deleteMany(numbers: readonly string[]) {
    for (const number of numbers) this.answers.delete(number);
  }
  async close() {}
}

test('withDefaults() - a cache with every fast path is used as it is', async () => {
  const cache: ResultCache = {
    getMany: async () => [],
    putMany: async () => {},
    deleteMany: async () => {},
    close: async () => {},
    answerBatches: async function* () {},
    estimateSize: async () => 3,
  };
  expect(withDefaults(cache)).toBe(cache);
});

test('checkNumbers() - a core-only cache answers the numbers it holds, looked up with getMany', async () => {
  const cache = new CoreOnlyCache();
  const checkedAt = Date.now() - 60_000;
  await cache.putMany([
    ['+41791000001', { whatsapp: 'yes', checkedAt }],
    ['+41791000002', { whatsapp: 'no', checkedAt }],
  ]);
  const job = checkNumbers(['+41791000001', '+41791000002', '+41791000003'], { cache, dryRun: true });
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  expect(results.map((result) => [result.number, result.whatsapp, result.source])).toEqual([
    ['+41791000001', 'yes', 'cache'],
    ['+41791000002', 'no', 'cache'],
    ['+41791000003', null, null],
  ]);
  expect(cache.lookedUp).toBe(3);
  expect((await job.summary).cacheHits).toBe(2);
});
