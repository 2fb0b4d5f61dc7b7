import { expect, test } from 'vitest';
import { goTimestamp, newTaskId, taskIdSeconds } from '../src/simulator/provider-format.js';

test('goTimestamp() - nanoseconds with trailing zeros dropped, as Go writes RFC 3339', () => {
  const ms = Date.UTC(2024, 9, 19, 18, 24, 56, 450);
  // A float of ms since 1970 carries sub-microsecond precision only, so the last digits vary.
  expect(goTimestamp(ms + 0.567423)).toMatch(/^2024-10-19T18:24:56\.450567\d{0,3}Z$/);
  expect(goTimestamp(ms)).toBe('2024-10-19T18:24:56.45Z');
  expect(goTimestamp(Date.UTC(2024, 9, 19, 18, 24, 56))).toBe('2024-10-19T18:24:56Z');
});

test('newTaskId() - 20 characters of 0-9a-v whose first bytes encode the creation second', () => {
  const now = Date.UTC(2024, 9, 19, 18, 24, 56, 450);
  const ids = new Set(Array.from({ length: 1000 }, () => newTaskId(now)));
  expect(ids.size).toBe(1000);
  for (const id of ids) {
    expect(id).toMatch(/^[0-9a-v]{20}$/);
    expect(taskIdSeconds(id)).toBe(Math.floor(now / 1000));
  }
  // The provider's own example id decodes to its creation second (2024-10-19T18:24:56Z).
  expect(taskIdSeconds('cs9viu7i61pkfs4oavvg')).toBe(Date.UTC(2024, 9, 19, 18, 24, 56) / 1000);
});
