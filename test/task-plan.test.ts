import { expect, test } from 'vitest';
import { planTaskSizes } from '../src/job/task-plan.js';

const sizing = { concurrency: 5, minTaskSize: 1, maxTaskSize: 50_000 };

test('planTaskSizes() - one task per slot when it fits', () => {
  expect(planTaskSizes(10_000, sizing)).toEqual([2000, 2000, 2000, 2000, 2000]);
  expect(planTaskSizes(10_003, sizing)).toEqual([2001, 2001, 2001, 2000, 2000]);
});

test('planTaskSizes() - bounded by the largest and smallest task', () => {
  const sizes = planTaskSizes(1_000_000, sizing);
  expect(sizes).toHaveLength(30);
  expect(Math.max(...sizes)).toBe(50_000);
  expect(planTaskSizes(3, sizing)).toEqual([1, 1, 1]);
  // Two tasks of 1,500 would each be below the minimum: one task of 3,000 instead.
  expect(planTaskSizes(3000, { ...sizing, minTaskSize: 2000 })).toEqual([3000]);
  expect(planTaskSizes(0, sizing)).toEqual([]);
});

/** When the provider, giving each task to the slot that frees first, is done with them all. */
function providerEnd(sizes: number[], slots: number): number {
  const freeAt = new Array<number>(slots).fill(0);
  for (const size of sizes) freeAt[freeAt.indexOf(Math.min(...freeAt))]! += size;
  return Math.max(...freeAt);
}

test('planTaskSizes() - sizes add up to the count, within bounds, and every slot ends together', () => {
  for (const count of [1, 7, 999, 123_457, 300_000, 1_000_000, 2_500_001]) {
    for (const concurrency of [1, 3, 5, 16]) {
      const sizes = planTaskSizes(count, { concurrency, minTaskSize: 100, maxTaskSize: 40_000 });
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(40_000);
      if (count >= 100) expect(Math.min(...sizes)).toBeGreaterThanOrEqual(100);
      // Enough numbers for every slot: the provider's work is spread evenly over them.
      if (count >= concurrency * 100)
        expect(providerEnd(sizes, concurrency)).toBeLessThanOrEqual(Math.ceil(count / concurrency) + 2);
    }
  }
});

test('planTaskSizes() - more than one round of the largest tasks makes whole rounds', () => {
  // Six tasks of 50,000 would leave the sixth alone in a second round.
  const sizes = planTaskSizes(300_000, sizing);
  expect(providerEnd(sizes, 5)).toBe(60_000);
  expect(sizes.slice(0, 5)).toEqual([30_000, 30_000, 30_000, 30_000, 30_000]);
});

test('planTaskSizes() - the last round of large tasks is cut into shorter rounds after it', () => {
  const fives = (size: number) => new Array<number>(5).fill(size);
  expect(planTaskSizes(1_000_000, sizing)).toEqual([
    ...new Array(15).fill(50_000),
    ...fives(30_000),
    ...fives(15_000),
    ...fives(5000),
  ]);
  expect(planTaskSizes(100_000, sizing)).toEqual([...fives(12_000), ...fives(6000), ...fives(2000)]);
  // A tenth under 2,000 numbers: cut in two (80%, 20%) instead.
  expect(planTaskSizes(50_000, sizing)).toEqual([...fives(8000), ...fives(2000)]);
  // Under 10,000 a task stays whole: a piece under 2,000 rows is not worth a task.
  expect(planTaskSizes(49_999, sizing)).toEqual([10_000, 10_000, 10_000, 10_000, 9999]);
  // Nor is a piece cut below the minimum task size.
  expect(planTaskSizes(100_000, { ...sizing, minTaskSize: 4000 })).toEqual([...fives(16_000), ...fives(4000)]);
  expect(planTaskSizes(100_000, { ...sizing, minTaskSize: 4001 })).toEqual(fives(20_000));
  // Uneven tasks keep their own sums.
  const sizes = planTaskSizes(123_457, sizing);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(123_457);
  expect(providerEnd(sizes, 5)).toBeLessThanOrEqual(Math.ceil(123_457 / 5) + 2);
});
