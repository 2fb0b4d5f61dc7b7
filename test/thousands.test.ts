import { expect, test } from 'vitest';
import { thousands } from '../src/cli/thousands.js';

test('thousands() - writes what toLocaleString("en-US") writes', () => {
  const values = [0, -0, 1, 12, 999, 1000, 1001, 12_345, 100_000, 999_999, 1_000_000, 1_509_530, 2 ** 53 - 1];
  let seed = 3;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 48271) % 2147483647;
    values.push(Math.floor((seed / 2147483647) * 10 ** (1 + (i % 16))));
  }
  // Not whole, negative or too large: left to toLocaleString itself.
  values.push(-1, -1234567, 0.5, 1234.5678, 2 ** 53, 1e21, Number.NaN, Number.POSITIVE_INFINITY);
  const wrong = values.filter((value) => thousands(value) !== value.toLocaleString('en-US'));
  expect(wrong).toEqual([]);
  expect(thousands(1_234_567)).toBe('1,234,567');
});
