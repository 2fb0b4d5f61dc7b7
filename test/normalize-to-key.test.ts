import type { CountryCode } from 'libphonenumber-js/max';
import { describe, expect, test } from 'vitest';
import { e164ToKey } from '../src/dedupe/number-table.js';
import { foundKey, foundNumber } from '../src/normalize/found-number.js';
import {
  LAST_REASON_CODE,
  normalizeNumber,
  normalizeToKey,
  reasonOfCode,
  toRegion,
} from '../src/normalize/normalize-number.js';
import { type SampleShape, sampleRows } from '../src/sample/sample-list.js';
import { keyMismatch } from './helpers/normalize-key-check.js';

const ROWS = 200_000;
/** Regions a row is also read in besides its own: the spellings of one country read by another's rules. */
const OTHER_REGIONS: CountryCode[] = ['US', 'GB', 'DE', 'BR', 'IN', 'FR', 'MX', 'JP', 'CH', 'AR'];

describe('normalizeToKey()', () => {
  for (const shape of ['crm', 'mixed'] satisfies SampleShape[]) {
    test(`equals e164ToKey(normalizeNumber().e164), or the same reason, on ${ROWS} rows of a '${shape}' list`, () => {
      const mismatches: string[] = [];
      const outcomes = new Map<string, number>();
      let i = 0;
      for (const row of sampleRows({ rows: ROWS, seed: `to-key-${shape}`, shape })) {
        // A third each: the row's own region, another region, none.
        const pick = i % 3;
        const region = pick === 0 ? toRegion(row.country) : pick === 1 ? OTHER_REGIONS[i % 10] : undefined;
        i++;
        const expected = normalizeNumber(row.phone, region);
        const outcome = expected.ok ? 'valid' : expected.reason;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        const differs = keyMismatch(row.phone, region, expected);
        if (differs !== undefined && mismatches.length < 20) mismatches.push(differs);
      }
      expect(mismatches).toEqual([]);
      // Every answer but `empty` (no shape spells an empty cell) was met, valid numbers most.
      for (const outcome of ['not_a_phone_number', 'invalid_number', 'needs_country'])
        expect(outcomes.get(outcome)).toBeGreaterThan(0);
      expect(outcomes.get('valid')).toBeGreaterThan(ROWS / 2);
    }, 120_000);
  }

  test('answers every reason, and the key of each rule of the fast path and the library', () => {
    const cases: Array<[string, CountryCode | undefined]> = [
      ['', undefined],
      ['   ', 'US'],
      ['n/a', 'GB'],
      ['#REF!', undefined],
      ['12', undefined],
      ['0791 123 4567', undefined],
      ['+', undefined],
      ['00', 'US'],
      ['+1', undefined],
      ['+41 79 828 46 51', undefined],
      ['tel:+41798284651', 'CH'],
      ['0041798284651', undefined],
      ['0041 79 828 46 51', 'DE'],
      ['011 41 79 828 46 51', 'US'],
      ['41798284651', undefined],
      ['07911 123456', 'GB'],
      ['44 7911 123456', 'GB'],
      ['(201) 555-0123', 'US'],
      ['+1 201 555 0123 ext. 7', undefined],
      ['+49 1512 3456789', undefined],
      ['+49 30 123456789012', undefined],
      ['+55 0 11 91234 5678', undefined],
      ['+1 1 201 555 0123', undefined],
      ['+123456789012345678901', undefined],
    ];
    const reasons = new Set<string>();
    for (const [text, region] of cases) {
      const expected = normalizeNumber(text, region);
      expect(keyMismatch(text, region, expected)).toBeUndefined();
      const key = normalizeToKey(text, region);
      if (key < 0) reasons.add(reasonOfCode(key));
      else expect(key).toBeGreaterThan(0);
    }
    expect([...reasons].sort()).toEqual(['empty', 'invalid_number', 'needs_country', 'not_a_phone_number']);
  });

  test("a found number's key is e164ToKey of its digits, past 15 digits too (the same rounding)", () => {
    let state = 12345;
    const next = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    for (let n = 0; n < 20_000; n++) {
      const prefix = String(1 + Math.floor(next() * 999));
      const length = 2 + Math.floor(next() * 17);
      const national = Array.from({ length }, () => Math.floor(next() * 10)).join('');
      const e164 = `+${prefix}${national}`;
      foundNumber(prefix, national, 0);
      expect(foundKey()).toBe(e164ToKey(e164));
      foundNumber('', `00${prefix}${national}`, 2);
      expect(foundKey()).toBe(e164ToKey(e164));
      foundNumber('', e164, 1);
      expect(foundKey()).toBe(e164ToKey(e164));
    }
  });

  test('reasonOfCode() refuses what is no reason code', () => {
    expect(() => reasonOfCode(0)).toThrow(RangeError);
    expect(() => reasonOfCode(LAST_REASON_CODE - 1)).toThrow(RangeError);
    expect(() => reasonOfCode(7)).toThrow(RangeError);
  });
});
