import { expect, test } from 'vitest';
import type { CachedAnswer, ResultCache } from '../store/result-cache.js';
import { withDefaults } from '../store/with-defaults.js';

/** What the suite's factory gives: a new, empty cache, and for a durable one a way to open it again. */
export interface OpenedResultCache {
  cache: ResultCache;
  /** Opens the same store again, after `cache` was closed. Required when `durable` is set. */
  reopen?: () => Promise<ResultCache>;
}

export interface ResultCacheContractOptions {
  /**
   * The cache keeps its answers across close and reopen (a file, a server); the factory must
   * give `reopen`. An in-memory cache promises nothing across processes.
   * @default false
   */
  durable?: boolean;
}

/** What getMany() says of `numbers`, in the form of firstAppearances(). */
async function currentAnswers(cache: ResultCache, numbers: string[]): Promise<Map<number, string>> {
  const expected = new Map<number, string>();
  const answers = await cache.getMany(numbers);
  numbers.forEach((number, i) => {
    const answer = answers[i];
    if (answer) expected.set(Number(number.slice(1)), `${answer.whatsapp}@${Math.floor(answer.checkedAt / 1000)}`);
  });
  return expected;
}

/** What a full read (`answerBatches()`, or its default) says of each number: its first appearance, as `answer@seconds`. */
export async function firstAppearances(cache: ResultCache): Promise<Map<number, string>> {
  const current = new Map<number, string>();
  for await (const batch of withDefaults(cache).answerBatches()) {
    for (let i = 0; i < batch.length; i++) {
      const key = batch.keys[i]!;
      if (!current.has(key)) current.set(key, `${batch.yes[i] === 1 ? 'yes' : 'no'}@${batch.checkedAtSeconds[i]}`);
    }
  }
  return current;
}

/** `count` Swiss mobile numbers from `from`, spread out so that their order is not their insertion order. */
function numbersFrom(from: number, count: number, step = 37): string[] {
  return Array.from({ length: count }, (_, i) => `+4179${String(from + ((i * step) % 7_000_000)).padStart(7, '0')}`);
}

function answersFor(
  numbers: readonly string[],
  checkedAt: number,
  whatsapp: (i: number) => CachedAnswer['whatsapp'],
): Array<readonly [string, CachedAnswer]> {
  return numbers.map((number, i) => [number, { whatsapp: whatsapp(i), checkedAt }] as const);
}

/**
 * The contract every ResultCache keeps (as abstract-level runs one suite against every store).
 * Call it inside a vitest file with a factory that makes a new, empty cache each time:
 *
 * ```ts
 * resultCacheContract('RedisResultCache', async () => {
 *   const cache = await RedisResultCache.open(freshPrefix());
 *   return { cache, reopen: () => RedisResultCache.open(samePrefix) };
 * }, { durable: true });
 * ```
 *
 * The core methods are always checked; an optional one (`entries`, `answerBatches`,
 * `estimateSize`) is checked when the cache has it, and otherwise the default the job puts in
 * its place (`withDefaults`) is.
 */
export function resultCacheContract(
  name: string,
  open: () => Promise<OpenedResultCache>,
  options: ResultCacheContractOptions = {},
): void {
  const at = Date.UTC(2026, 10, 1, 12, 0, 0);

  test(`${name}: .getMany() - undefined for numbers never stored, and nothing for no numbers`, async () => {
    const { cache } = await open();
    expect(await cache.getMany(['+41791000001', '+41791000002'])).toEqual([undefined, undefined]);
    expect(await cache.getMany([])).toEqual([]);
    await cache.close();
  });

  test(`${name}: .putMany() then .getMany() - answers and their time, in the order asked`, async () => {
    const { cache } = await open();
    await cache.putMany([
      ['+41791000001', { whatsapp: 'yes', checkedAt: at }],
      ['+41791000002', { whatsapp: 'no', checkedAt: at + 1000 }],
    ]);
    await cache.putMany([]);
    expect(await cache.getMany(['+41791000002', '+41791000003', '+41791000001'])).toEqual([
      { whatsapp: 'no', checkedAt: at + 1000 },
      undefined,
      { whatsapp: 'yes', checkedAt: at },
    ]);
    await cache.close();
  });

  test(`${name}: .putMany() - a newer answer replaces an older one, and within a batch the later entry stands`, async () => {
    const { cache } = await open();
    await cache.putMany([['+41791000001', { whatsapp: 'yes', checkedAt: at }]]);
    await cache.putMany([['+41791000001', { whatsapp: 'no', checkedAt: at + 5000 }]]);
    await cache.putMany([
      ['+41791000002', { whatsapp: 'no', checkedAt: at }],
      ['+41791000002', { whatsapp: 'yes', checkedAt: at + 1000 }],
    ]);
    expect(await cache.getMany(['+41791000001', '+41791000002'])).toEqual([
      { whatsapp: 'no', checkedAt: at + 5000 },
      { whatsapp: 'yes', checkedAt: at + 1000 },
    ]);
    await cache.close();
  });

  test(`${name}: .putMany(), .getMany() - the caller's objects can change afterwards without changing what is stored`, async () => {
    const { cache } = await open();
    const answer: CachedAnswer = { whatsapp: 'yes', checkedAt: at };
    await cache.putMany([['+41791000001', answer]]);
    answer.whatsapp = 'no';
    const [returned] = await cache.getMany(['+41791000001']);
    returned!.checkedAt = 0;
    expect(await cache.getMany(['+41791000001'])).toEqual([{ whatsapp: 'yes', checkedAt: at }]);
    await cache.close();
  });

  test(`${name}: .putMany() - concurrent calls all land; thousands of numbers come back in the order asked`, async () => {
    const { cache } = await open();
    const numbers = numbersFrom(2_000_000, 4000);
    const answers = answersFor(numbers, at, (i) => (i % 3 ? 'yes' : 'no'));
    await Promise.all([0, 1, 2, 3].map((part) => cache.putMany(answers.slice(part * 1000, part * 1000 + 1000))));
    const asked = [...numbers].reverse();
    const found = await cache.getMany(asked);
    expect(found).toEqual(asked.map((number) => answers.find(([stored]) => stored === number)![1]));
    await cache.close();
  });

  test(`${name}: .deleteMany() - deleted numbers are gone, the others stay`, async () => {
    const { cache } = await open();
    await cache.putMany([
      ['+41791000003', { whatsapp: 'yes', checkedAt: at }],
      ['+41791000001', { whatsapp: 'no', checkedAt: at }],
      ['+41791000002', { whatsapp: 'yes', checkedAt: at }],
    ]);
    await cache.deleteMany(['+41791000002', '+41791000009']);
    await cache.deleteMany([]);
    expect(await cache.getMany(['+41791000001', '+41791000002', '+41791000003'])).toEqual([
      { whatsapp: 'no', checkedAt: at },
      undefined,
      { whatsapp: 'yes', checkedAt: at },
    ]);
    await cache.close();
  });

  test(`${name}: .entries() - every answer in number order, whole or left early (or absent: a job never needs it)`, async () => {
    const { cache } = await open();
    const numbers = numbersFrom(3_000_000, 5000);
    await cache.putMany(answersFor(numbers, at, (i) => (i % 2 ? 'yes' : 'no')));
    await cache.deleteMany(numbers.slice(0, 10));
    expect((await cache.getMany(numbers.slice(0, 12))).map((answer) => answer?.whatsapp)).toEqual([
      ...Array(10).fill(undefined),
      'no',
      'yes',
    ]);
    if (!cache.entries) {
      await cache.close();
      return;
    }
    const all: string[] = [];
    for await (const [number, answer] of cache.entries()) {
      all.push(number);
      expect(answer.checkedAt).toBe(at);
    }
    expect(all).toEqual(numbers.slice(10).sort());
    let taken = 0;
    for await (const _entry of cache.entries()) if (++taken === 1500) break;
    expect(taken).toBe(1500);
    await cache.close();
  });

  test(`${name}: .answerBatches() - each number's first appearance is its current answer, deleted ones are gone`, async () => {
    const { cache } = await open();
    const numbers = numbersFrom(4_000_000, 3000, 53);
    await cache.putMany(answersFor(numbers, at, (i) => (i % 3 ? 'yes' : 'no')));
    // Every fifth answered again, later and the other way; then every seventh deleted.
    const again = numbers.filter((_, i) => i % 5 === 0);
    await cache.putMany(answersFor(again, at + 60_000, (i) => (i % 3 ? 'no' : 'yes')));
    if (!cache.answerBatches && !cache.entries) {
      await expect(firstAppearances(cache)).rejects.toMatchObject({ code: 'WA_INVALID_OPTION' });
      await cache.close();
      return;
    }
    expect(await firstAppearances(cache)).toEqual(await currentAnswers(cache, numbers));
    const gone = numbers.filter((_, i) => i % 7 === 0);
    await cache.deleteMany(gone);
    const current = await firstAppearances(cache);
    expect(current.size).toBe(numbers.length - gone.length);
    expect(current).toEqual(await currentAnswers(cache, numbers));
    await cache.close();
  });

  test(`${name}: .estimateSize() - roughly the answers stored (or absent: unknown, so never read through)`, async () => {
    const { cache } = await open();
    await cache.putMany(answersFor(numbersFrom(5_000_000, 2000), at, () => 'yes'));
    const size = await withDefaults(cache).estimateSize();
    if (!cache.estimateSize) expect(size).toBe(Number.POSITIVE_INFINITY);
    else {
      expect(Number.isInteger(size)).toBe(true);
      expect(size).toBeGreaterThanOrEqual(1000);
      expect(size).toBeLessThanOrEqual(4000);
    }
    await cache.close();
  });

  if (options.durable) {
    test(`${name}: answers and deletes survive closing and reopening`, async () => {
      const { cache, reopen } = await open();
      expect(reopen, 'a durable cache needs reopen() in the factory').toBeTypeOf('function');
      await cache.putMany([
        ['+41791000009', { whatsapp: 'yes', checkedAt: at }],
        ['+41791000008', { whatsapp: 'no', checkedAt: at }],
      ]);
      await cache.deleteMany(['+41791000008']);
      await cache.close();
      const again = await reopen!();
      expect(await again.getMany(['+41791000009', '+41791000008'])).toEqual([
        { whatsapp: 'yes', checkedAt: at },
        undefined,
      ]);
      await again.close();
    });
  }
}
