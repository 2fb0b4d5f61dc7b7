import { expect, test } from 'vitest';
import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { fastInternational } from '../../src/normalize/fast-parse.js';
import { normalizeNumber, normalizeNumberByLibrary } from '../../src/normalize/normalize-number.js';
import { keyMismatch } from './normalize-key-check.js';

// The differential suites of the fast path against libphonenumber-js: `npm test` runs them on a
// sample (normalize-differential.test.ts), `npm run test:slow` on a million numbers each.

/** A small seeded PRNG, so a failure replays. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const digits = (next: () => number, count: number) =>
  Array.from({ length: count }, () => Math.floor(next() * 10)).join('');

/**
 * International numbers of every region, valid and invalid: each region's example mobile number
 * with its last digits changed (mostly valid), random national numbers of lengths around the
 * region's own (mostly invalid), and both with a national trunk 0 after the calling code.
 */
export function* generatedNumbers(count: number): Generator<string> {
  const next = random(20261127);
  const regions = getCountries();
  const callingCodes = [
    ...new Set(regions.map((region) => getCountryCallingCode(region))),
    '800',
    '808',
    '870',
    '878',
    '881',
    '882',
    '883',
    '888',
    '979',
  ];
  for (let i = 0; i < count; i++) {
    const region = regions[i % regions.length]!;
    const example = getExampleNumber(region, examples);
    const kind = next();
    if (example && kind < 0.55) {
      const national = example.nationalNumber;
      const keep = Math.max(1, national.length - 1 - Math.floor(next() * 6));
      yield `+${example.countryCallingCode}${national.slice(0, keep)}${digits(next, national.length - keep)}`;
    } else if (kind < 0.9) {
      const cc = callingCodes[Math.floor(next() * callingCodes.length)]!;
      yield `+${cc}${digits(next, 4 + Math.floor(next() * 12))}`;
    } else if (kind < 0.95) {
      yield `+${getCountryCallingCode(region)}0${example ? example.nationalNumber : digits(next, 9)}`;
    } else {
      yield `+${digits(next, 1 + Math.floor(next() * 18))}`;
    }
  }
}

/**
 * National spellings of every region, read with that region (and now and then a neighbour's):
 * the example number's national format with changed digits, with and without its trunk
 * prefix, random digit strings, and texts that start with the IDD prefix or the calling code.
 */
export function* nationalSpellings(count: number): Generator<[string, CountryCode]> {
  const next = random(4242);
  const regions = getCountries();
  for (let i = 0; i < count; i++) {
    const region = regions[i % regions.length]!;
    const readAs = next() < 0.9 ? region : regions[Math.floor(next() * regions.length)]!;
    const example = getExampleNumber(region, examples);
    const kind = next();
    if (example && kind < 0.6) {
      const formatted = example.formatNational();
      let changed = '';
      let toChange = 1 + Math.floor(next() * 5);
      for (let at = formatted.length - 1; at >= 0; at--) {
        const char = formatted[at]!;
        changed = (/\d/.test(char) && toChange-- > 0 ? String(Math.floor(next() * 10)) : char) + changed;
      }
      yield [next() < 0.8 ? changed : changed.replace(/[^\d]/g, ''), readAs];
    } else if (kind < 0.85) {
      yield [digits(next, 3 + Math.floor(next() * 13)), readAs];
    } else if (kind < 0.93) {
      yield [`${getCountryCallingCode(region)}${example ? example.nationalNumber : digits(next, 8)}`, readAs];
    } else {
      yield [`00${getCountryCallingCode(region)}${digits(next, 8)}`, readAs];
    }
  }
}

/** How many numbers each differential reads. */
export interface DifferentialSizes {
  /** International numbers for `fastInternational()`. */
  international: number;
  /** International numbers, each read in five spellings. */
  spellings: number;
  /** National spellings read with a region. */
  national: number;
  /** Per test. */
  timeoutMs: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Registers the three differential tests, at the sizes given; the same seeds at every size. */
export function normalizeDifferentials(sizes: DifferentialSizes): void {
  test(
    `fastInternational() gives exactly what libphonenumber-js/max gives, on ${count(sizes.international)} numbers of every region`,
    () => {
      let valid = 0;
      let fast = 0;
      let stripped = 0;
      const mismatches: string[] = [];
      for (const number of generatedNumbers(sizes.international)) {
        const parsed = parsePhoneNumberFromString(number, { extract: false });
        const expected = parsed?.isValid() ? parsed.number : null;
        const answer = fastInternational(number.slice(1));
        if (answer === undefined) continue; // gave up: the library decides
        fast++;
        // A national prefix written after the calling code, which the library strips (`+55 0 11...`).
        if (parsed && number.length - 1 - parsed.countryCallingCode.length > parsed.nationalNumber.length) stripped++;
        const actual = answer.ok ? answer.e164 : null;
        if (expected !== null) valid++;
        if (actual !== expected && mismatches.length < 20)
          mismatches.push(`${number}: fast ${actual}, library ${expected}`);
      }
      expect(mismatches).toEqual([]);
      // The fast path must carry the load, on valid and invalid numbers alike.
      expect(fast).toBeGreaterThan(0.9 * sizes.international);
      expect(valid).toBeGreaterThan(0.3 * sizes.international);
      expect(stripped).toBeGreaterThan(0.01 * sizes.international);
    },
    sizes.timeoutMs,
  );

  test(
    'normalizeNumber() equals the library-only rules on spellings of those numbers, normalizeToKey() its key',
    () => {
      const next = random(7);
      const mismatches: string[] = [];
      let checked = 0;
      for (const number of generatedNumbers(sizes.spellings)) {
        const body = number.slice(1);
        const spaced = body.replace(/(\d{3})(?=\d)/g, '$1 ');
        for (const text of [
          `+${spaced}`,
          `00${body}`,
          body,
          `+${body.slice(0, 2)}-${body.slice(2)}`,
          `(+${body.slice(0, 2)}) ${body.slice(2)}`,
        ]) {
          checked++;
          const region = next() < 0.3 ? 'CH' : undefined;
          const fast = normalizeNumber(text, region);
          const reference = normalizeNumberByLibrary(text, region);
          if (JSON.stringify(fast) !== JSON.stringify(reference) && mismatches.length < 20) {
            mismatches.push(`${text} (${region}): ${JSON.stringify(fast)} vs ${JSON.stringify(reference)}`);
          }
          const keyDiffers = keyMismatch(text, region, fast);
          if (keyDiffers !== undefined && mismatches.length < 20) mismatches.push(keyDiffers);
        }
      }
      expect(checked).toBe(5 * sizes.spellings);
      expect(mismatches).toEqual([]);
    },
    sizes.timeoutMs,
  );

  test(
    `normalizeNumber() equals the library-only rules on ${count(sizes.national)} national spellings of every region, normalizeToKey() its key`,
    () => {
      const mismatches: string[] = [];
      let valid = 0;
      for (const [text, region] of nationalSpellings(sizes.national)) {
        const fast = normalizeNumber(text, region);
        const reference = normalizeNumberByLibrary(text, region);
        if (reference.ok) valid++;
        if (JSON.stringify(fast) !== JSON.stringify(reference) && mismatches.length < 20) {
          mismatches.push(`${text} (${region}): ${JSON.stringify(fast)} vs ${JSON.stringify(reference)}`);
        }
        const keyDiffers = keyMismatch(text, region, fast);
        if (keyDiffers !== undefined && mismatches.length < 20) mismatches.push(keyDiffers);
      }
      expect(mismatches).toEqual([]);
      expect(valid).toBeGreaterThan(0.3 * sizes.national);
    },
    sizes.timeoutMs,
  );
}
