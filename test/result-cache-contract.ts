import { expect, test } from 'vitest';
import type { ResultCache } from '../src/cache/result-cache.js';

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

/** What answerBatches() says of each number: its first appearance, as `answer@seconds`. */
export async function firstAppearances(cache: ResultCache): Promise<Map<number, string>> {
  const current = new Map<number, string>();
  for await (const batch of cache.answerBatches()) {
    for (let i = 0; i < batch.length; i++) {
      const key = batch.keys[i]!;
      if (!current.has(key)) current.set(key, `${batch.yes[i] === 1 ? 'yes' : 'no'}@${batch.checkedAtSeconds[i]}`);
    }
  }
  return current;
}

/**
 * The contract every ResultCache must keep, run against each implementation
 * (as abstract-level runs one suite against every store).
 */
export function resultCacheContract(
  name: string,
  open: () => Promise<{ cache: ResultCache; reopen?: () => Promise<ResultCache> }>,
): void {
  const at = Date.UTC(2026, 10, 1, 12, 0, 0);

  test(`${name}: .getMany() - undefined for numbers never stored`, async () => {
    const { cache } = await open();
    expect(await cache.getMany(['+41791000001', '+41791000002'])).toEqual([undefined, undefined]);
    await cache.close();
  });

  test(`${name}: .putMany() then .getMany() - answers and their time, in the order asked`, async () => {
    const { cache } = await open();
    await cache.putMany([
      ['+41791000001', { whatsapp: 'yes', checkedAt: at }],
      ['+41791000002', { whatsapp: 'no', checkedAt: at + 1000 }],
    ]);
    expect(await cache.getMany(['+41791000002', '+41791000003', '+41791000001'])).toEqual([
      { whatsapp: 'no', checkedAt: at + 1000 },
      undefined,
      { whatsapp: 'yes', checkedAt: at },
    ]);
    await cache.close();
  });

  test(`${name}: .putMany() - a newer answer replaces an older one`, async () => {
    const { cache } = await open();
    await cache.putMany([['+41791000001', { whatsapp: 'yes', checkedAt: at }]]);
    await cache.putMany([['+41791000001', { whatsapp: 'no', checkedAt: at + 5000 }]]);
    expect(await cache.getMany(['+41791000001'])).toEqual([{ whatsapp: 'no', checkedAt: at + 5000 }]);
    await cache.close();
  });

  test(`${name}: .deleteMany() and .entries() in number order`, async () => {
    const { cache } = await open();
    await cache.putMany([
      ['+41791000003', { whatsapp: 'yes', checkedAt: at }],
      ['+41791000001', { whatsapp: 'no', checkedAt: at }],
      ['+41791000002', { whatsapp: 'yes', checkedAt: at }],
    ]);
    await cache.deleteMany(['+41791000002']);
    const entries: string[] = [];
    for await (const [number, answer] of cache.entries()) entries.push(`${number}=${answer.whatsapp}`);
    expect(entries).toEqual(['+41791000001=no', '+41791000003=yes']);
    expect(await cache.getMany(['+41791000002'])).toEqual([undefined]);
    await cache.close();
  });

  test(`${name}: .entries() over several thousand answers, whole or left early`, async () => {
    const { cache } = await open();
    const numbers = Array.from({ length: 5000 }, (_, i) => `+4179${String(2_000_000 + i * 37).padStart(7, '0')}`);
    await cache.putMany(
      numbers.map((number, i) => [number, { whatsapp: i % 2 ? 'yes' : 'no', checkedAt: at }] as const),
    );
    const all: string[] = [];
    for await (const [number] of cache.entries()) all.push(number);
    expect(all).toEqual([...numbers].sort());
    let taken = 0;
    for await (const _entry of cache.entries()) if (++taken === 1500) break;
    expect(taken).toBe(1500);
    await cache.close();
  });

  test(`${name}: .answerBatches() - each number's first appearance is its current answer, deleted ones are gone`, async () => {
    const { cache } = await open();
    const numbers = Array.from({ length: 3000 }, (_, i) => `+4179${String(3_000_000 + i * 53).padStart(7, '0')}`);
    await cache.putMany(
      numbers.map((number, i) => [number, { whatsapp: i % 3 ? 'yes' : 'no', checkedAt: at }] as const),
    );
    // Every fifth answered again, later; then every seventh deleted.
    const again = numbers.filter((_, i) => i % 5 === 0);
    await cache.putMany(again.map((number) => [number, { whatsapp: 'no', checkedAt: at + 60_000 }] as const));
    expect(await firstAppearances(cache)).toEqual(await currentAnswers(cache, numbers));
    const gone = numbers.filter((_, i) => i % 7 === 0);
    await cache.deleteMany(gone);
    const current = await firstAppearances(cache);
    expect(current.size).toBe(numbers.length - gone.length);
    expect(current).toEqual(await currentAnswers(cache, numbers));
    await cache.close();
  });

  test(`${name}: answers survive reopening, where the cache is durable`, async () => {
    const { cache, reopen } = await open();
    await cache.putMany([['+41791000009', { whatsapp: 'yes', checkedAt: at }]]);
    await cache.close();
    if (!reopen) {
      expect(reopen).toBeUndefined(); // an in-memory cache promises nothing across processes
      return;
    }
    const again = await reopen();
    expect(await again.getMany(['+41791000009'])).toEqual([{ whatsapp: 'yes', checkedAt: at }]);
    await again.close();
  });

  test(`${name}: .estimateSize() - a whole number, never negative`, async () => {
    const { cache } = await open();
    await cache.putMany([['+41791000001', { whatsapp: 'yes', checkedAt: at }]]);
    const size = await cache.estimateSize();
    expect(Number.isInteger(size) && size >= 0).toBe(true);
    await cache.close();
  });
}
