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
  expect(table.byteLength).toBeGreaterThanOrEqual(10_000 * 8);
  expect(table.get(41798284651)).toBe(7);
  expect(table.size).toBe(1);
});

test('NumberTable.addOrFind() - adds once (~slot), then finds the slot whose state stateAt() reads and setStateAt() changes', () => {
  const table = new NumberTable(4);
  const added = table.addOrFind(41798284651, 7);
  expect(added).toBeLessThan(0);
  const slot = table.addOrFind(41798284651, 2);
  expect(slot).toBe(~added);
  expect(table.find(41798284651)).toBe(slot);
  expect(table.stateAt(slot)).toBe(7);
  table.setStateAt(slot, 255);
  expect(table.get(41798284651)).toBe(255);
  table.setStateAt(slot, 0);
  expect(table.get(41798284651)).toBe(0);
  expect(table.find(41798284652)).toBe(-1);
  expect(table.size).toBe(1);
  // A state in the slot's top byte never bleeds into the key: the largest keys keep every bit.
  for (const key of [999_999_999_999_999, 2 ** 53 - 1, 2 ** 32, 2 ** 32 - 1, 2 ** 31, 1]) {
    expect(table.addOrFind(key, 255)).toBeLessThan(0);
    expect(table.get(key)).toBe(255);
    expect(table.set(key, 0)).toBe(true);
    expect(table.has(key)).toBe(true);
    expect([...table.keysWithState(0)]).toContain(key);
  }
});

test('NumberTable - agrees with a Map on random adds, finds and state changes, through growth', () => {
  const table = new NumberTable(16);
  const model = new Map<number, number>();
  let seed = 11;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed;
  };
  const wrong: string[] = [];
  for (let step = 0; step < 200_000; step++) {
    // Keys from a small pool (many repeats) spread over 7 to 15 digits, both 32-bit halves used.
    const key = 1_000_000 + (random() % 60_000) * 16_666_666_666 + (random() % 7);
    const state = random() % 256;
    const op = random() % 4;
    const expected = model.get(key);
    if (op === 0) {
      const slot = table.addOrFind(key, state);
      if (slot < 0 !== (expected === undefined)) wrong.push(`addOrFind ${key}`);
      if (slot >= 0 && table.stateAt(slot) !== expected) wrong.push(`stateAt ${key}`);
      if (expected === undefined) model.set(key, state);
    } else if (op === 1) {
      const slot = table.find(key);
      if (slot < 0 !== (expected === undefined)) wrong.push(`find ${key}`);
      if (slot >= 0) {
        table.setStateAt(slot, state);
        model.set(key, state);
      }
    } else if (op === 2) {
      if (table.addOrGet(key, state) !== (expected ?? -1)) wrong.push(`addOrGet ${key}`);
      if (expected === undefined) model.set(key, state);
    } else if (table.set(key, state) !== (expected !== undefined)) wrong.push(`set ${key}`);
    else if (expected !== undefined) model.set(key, state);
  }
  expect(wrong).toEqual([]);
  expect(table.size).toBe(model.size);
  for (const [key, state] of model) if (table.get(key) !== state) wrong.push(`get ${key}`);
  expect(wrong).toEqual([]);
  const byState = new Map<number, number[]>();
  for (const [key, state] of model) byState.set(state, [...(byState.get(state) ?? []), key]);
  // The counts are kept as states change: each agrees with the model, also for states emptied.
  const counts = table.countStates();
  expect([...counts]).toEqual(Array.from({ length: 256 }, (_, state) => byState.get(state)?.length ?? 0));
  for (const state of [0, 1, 8, 127, 128, 255]) {
    const keys = byState.get(state) ?? [];
    expect([...table.keysWithState(state)].sort((x, y) => x - y)).toEqual(keys.sort((x, y) => x - y));
  }
  // Moved while walked (as planUnknown does): every key of the state moves, and it has none left.
  const moved = byState.get(8)?.length ?? 0;
  expect(moved).toBeGreaterThan(0);
  for (const key of table.keysWithState(8)) table.set(key, 9);
  expect([...table.keysWithState(8)]).toEqual([]);
  expect(table.countState(8)).toBe(0);
  expect(table.countState(9)).toBe(moved + (byState.get(9)?.length ?? 0));
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
  expect(table.byteLength / 8).toBeGreaterThan(100_000);
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
  // e164ToKey at every length from 1 to 15 digits (odd and even halves), every digit in every place.
  const wrong: string[] = [];
  for (let length = 1; length <= 15; length++) {
    for (let digit = 0; digit <= 9; digit++) {
      for (let place = 0; place < length; place++) {
        const digits = Array.from({ length }, (_, at) => (at === place ? digit : (at * 7 + length) % 10)).join('');
        if (e164ToKey(`+${digits}`) !== Number(digits)) wrong.push(digits);
      }
    }
  }
  expect(wrong).toEqual([]);
});

test('NumberTable.touch() reads slots ahead and changes nothing: every key, state and the size stay', () => {
  const table = new NumberTable(16);
  const keys = Float64Array.from({ length: 5000 }, (_, i) => 41_790_000_000 + i * 7919);
  for (let i = 0; i < keys.length; i++) table.add(keys[i]!, i % 5);
  const absent = Float64Array.from({ length: 5000 }, (_, i) => 44_740_000_000 + i * 104_729);
  const before = table.size;
  let seen = 0;
  for (const batch of [keys, absent]) seen ^= table.touch(batch, 0, batch.length) ^ table.touch(batch, 100, 200);
  expect(typeof seen).toBe('number');
  expect(table.size).toBe(before);
  expect(keys.every((key, i) => table.get(key) === i % 5)).toBe(true);
  expect(absent.some((key) => table.has(key))).toBe(false);
});
