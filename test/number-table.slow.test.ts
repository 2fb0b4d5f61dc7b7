import { expect, test } from 'vitest';
import { NumberTable } from '../src/dedupe/number-table.js';

test('NumberTable - works past V8s 2^24-entry limit of Set and Map', () => {
  const count = 2 ** 24 + 100_000;
  const table = new NumberTable(1024);
  for (let i = 0; i < count; i++) table.add(100_000_000_000_000 + i * 13, 0);
  expect(table.size).toBe(count);
  expect(table.add(100_000_000_000_000, 0)).toBe(false);
  expect(table.has(100_000_000_000_000 + (count - 1) * 13)).toBe(true);
  expect(table.has(100_000_000_000_000 + count * 13)).toBe(false);
  expect(table.byteLength / count).toBeLessThan(20);
}, 120_000);
