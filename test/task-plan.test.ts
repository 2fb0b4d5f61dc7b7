import { expect, test } from 'vitest';
import { planTaskSizes } from '../src/job/task-plan.js';

const sizing = { concurrency: 5, minTaskSize: 1, maxTaskSize: 50_000 };

test('planTaskSizes() - one task per slot when it fits', () => {
  expect(planTaskSizes(10_000, sizing)).toEqual([2000, 2000, 2000, 2000, 2000]);
  expect(planTaskSizes(10_003, sizing)).toEqual([2001, 2001, 2001, 2000, 2000]);
});

test('planTaskSizes() - bounded by the largest and smallest task', () => {
  const sizes = planTaskSizes(1_000_000, sizing);
  expect(sizes).toHaveLength(20);
  expect(Math.max(...sizes)).toBe(50_000);
  expect(planTaskSizes(3, sizing)).toEqual([1, 1, 1]);
  // Two tasks of 1,500 would each be below the minimum: one task of 3,000 instead.
  expect(planTaskSizes(3000, { ...sizing, minTaskSize: 2000 })).toEqual([3000]);
  expect(planTaskSizes(0, sizing)).toEqual([]);
});

test('planTaskSizes() - sizes always add up to the count', () => {
  for (const count of [1, 7, 999, 123_457, 2_500_001]) {
    for (const concurrency of [1, 3, 5, 16]) {
      const sizes = planTaskSizes(count, { concurrency, minTaskSize: 100, maxTaskSize: 40_000 });
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  }
});

test('planTaskSizes() - no task below the minimum, fewer and larger tasks instead', () => {
  expect(planTaskSizes(1200, { concurrency: 5, minTaskSize: 500, maxTaskSize: 10_000_000 })).toEqual([600, 600]);
  expect(planTaskSizes(2999, { concurrency: 5, minTaskSize: 1000, maxTaskSize: 10_000_000 })).toEqual([1500, 1499]);
  for (const count of [500, 501, 999, 1000, 1499, 2600, 7777, 123_457]) {
    for (const concurrency of [1, 3, 5, 16]) {
      for (const minTaskSize of [500, 1000]) {
        const sizes = planTaskSizes(count, { concurrency, minTaskSize, maxTaskSize: 50_000 });
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
        if (count >= minTaskSize) expect(Math.min(...sizes)).toBeGreaterThanOrEqual(minTaskSize);
      }
    }
  }
});
