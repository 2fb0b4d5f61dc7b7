import { expect, test } from 'vitest';
import { e164ToKey, keyToE164, NumberTable } from '../src/dedupe/number-table.js';

test('NumberTable - add, has, get and set', () => {
  const table = new NumberTable(4);
  expect(table.add(41798284651, 1)).toBe(true);
  expect(table.add(41798284651, 2)).toBe(false);
  expect(table.get(41798284651)).toBe(1);
  expect(table.set(41798284651, 3)).toBe(true);
  expect(table.get(41798284651)).toBe(3);
  expect(table.get(41798284651 + 1)).toBe(-1);
  expect(table.set(1, 3)).toBe(false);
  expect(table.size).toBe(1);
});

test('NumberTable - addOrGet adds once, then tells the state; reserve makes room without losing keys', () => {
  const table = new NumberTable(4);
  expect(table.addOrGet(41798284651, 7)).toBe(-1);
  expect(table.addOrGet(41798284651, 2)).toBe(7);
  table.reserve(10_000);
  expect(table.byteLength).toBeGreaterThanOrEqual(10_000 * 9);
  expect(table.get(41798284651)).toBe(7);
  expect(table.size).toBe(1);
});

// Past V8's 2^24-entry limit: number-table.slow.test.ts (17M keys).
test('NumberTable - grows and keeps every key and state', () => {
  const table = new NumberTable(16);
  for (let i = 0; i < 100_000; i++) table.add(10_000_000_000 + i * 7919, i % 5);
  expect(table.size).toBe(100_000);
  for (let i = 0; i < 100_000; i += 997) expect(table.get(10_000_000_000 + i * 7919)).toBe(i % 5);
  expect(table.countState(3)).toBe(20_000);
  expect([...table.keysWithState(4)]).toHaveLength(20_000);
  // State 0 is also what an empty slot holds: only keys count.
  expect(table.byteLength / 9).toBeGreaterThan(100_000);
  expect(table.countState(0)).toBe(20_000);
  expect([...table.keysWithState(0)]).toHaveLength(20_000);
  expect([...table.countStates()].reduce((sum, count) => sum + count, 0)).toBe(100_000);
});

test('e164ToKey() and keyToE164() are exact for 15 digits', () => {
  for (const e164 of ['+999999999999999', '+12025550123', '+41798284651', '+100000000000001', '+440000000001']) {
    expect(keyToE164(e164ToKey(e164))).toBe(e164);
  }
  // ...and equal to parsing the digits, for numbers of every length from 7 to 15 digits.
  let seed = 7;
  const mismatches: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    seed = (seed * 48271) % 2147483647;
    const digits =
      String(1 + (seed % 9)) +
      String(seed)
        .repeat(3)
        .slice(0, 6 + (i % 9));
    // One assertion for the lot: 200,000 calls of expect() took seconds.
    if (e164ToKey(`+${digits}`) !== Number(digits) || keyToE164(Number(digits)) !== `+${digits}`) {
      mismatches.push(digits);
    }
  }
  expect(mismatches).toEqual([]);
  // Zeros inside the low eight digits, and every length from 1 to 15 digits.
  for (const digits of [
    '1',
    '12',
    '1234567',
    '12345678',
    '123456789',
    '100000000',
    '100000001',
    '4400000000',
    '44000000007',
    '990000000000000',
    '100000000000000',
  ]) {
    expect(keyToE164(Number(digits))).toBe(`+${digits}`);
  }
});
