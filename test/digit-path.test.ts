import { type CountryCode, getCountries, getCountryCallingCode, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, test } from 'vitest';
import { e164ToKey } from '../src/dedupe/number-table.js';
import { type DigitPrefix, digitPrefix, digitRuleOf, regionRule } from '../src/normalize/compiled-metadata.js';
import type { DigitDfa } from '../src/normalize/digit-automaton.js';
import { digitPathKey, digitPathKeyIn, NONE, prefixMatch, UNDECIDED, UNKNOWN } from '../src/normalize/digit-path.js';
import { INVALID_NUMBER_CODE, NEEDS_COUNTRY_CODE } from '../src/normalize/found-number.js';
import { normalizeNumber, normalizeToKeyByStrings, toRegion } from '../src/normalize/normalize-number.js';
import { isWhiteSpace } from '../src/normalize/separators.js';
import { type SampleShape, sampleRows } from '../src/sample/sample-list.js';
import { generatedNumbers, nationalSpellings, random } from './helpers/normalize-differential.js';

/**
 * The digit path (src/normalize/digit-path.ts) answers valid numbers, each with the key of the
 * string path's E.164 (normalizeNumber, itself held equal to libphonenumber-js by the
 * differential tests), and a few sure reasons for no number, each the string path's own; it
 * must also carry the load, or it would be a cost for nothing.
 */
function compare(texts: Iterable<[string, CountryCode | undefined]>): {
  wrong: string[];
  valid: number;
  decided: number;
} {
  const wrong: string[] = [];
  let valid = 0;
  let decided = 0;
  for (const [text, region] of texts) {
    const expected = normalizeNumber(text, region);
    const key = digitPathKey(text, region);
    if (expected.ok) valid++;
    if (key === UNDECIDED) continue;
    decided++;
    // The string path's answer, a key or why there is none (a code), and the public one agree.
    const wanted = normalizeToKeyByStrings(text, region);
    const agrees = expected.ok ? wanted === e164ToKey(expected.e164) : wanted <= 0;
    if ((key !== wanted || !agrees) && wrong.length < 20) wrong.push(`${text} (${region}): ${key} vs ${wanted}`);
  }
  return { wrong, valid, decided };
}

/** A digit string an automaton matches: a walk from its start to an accepting state (undefined when it found none). */
function matchOf(dfa: DigitDfa, next: () => number): string | undefined {
  let state = 0;
  let text = '';
  for (let steps = 0; steps < 12; steps++) {
    if (dfa.accepting[state] !== 0 && (steps > 0 || next() < 0.5) && next() < 0.5) return text;
    const live = [...Array(10).keys()].filter((digit) => dfa.next[state * 10 + digit]! >= 0);
    if (live.length === 0) return dfa.accepting[state] !== 0 ? text : undefined;
    const digit = live[Math.floor(next() * live.length)]!;
    text += digit;
    state = dfa.next[state * 10 + digit]!;
  }
  return dfa.accepting[state] !== 0 ? text : undefined;
}

/**
 * Texts where the prefixes' patterns decide: for every region, matches of each part of its IDD
 * prefix and national prefix for parsing (plain alternatives, those with a group, anchored ones;
 * several alternatives matching one text) before its example number, whole or cut, read in it.
 */
function* prefixedSpellings(perRegion: number): Generator<[string, CountryCode]> {
  const next = random(31337);
  for (const region of getCountries()) {
    const rule = regionRule(region);
    const digitRule = rule && digitRuleOf(rule);
    const example = getExampleNumber(region, examples)?.nationalNumber ?? '2345678';
    if (!digitRule) continue;
    const parts = [digitRule.iddPrefix, digitRule.prefixForParsing]
      .flatMap((prefix: DigitPrefix | undefined) => (prefix ? [prefix.plain, prefix.grouped, prefix.anchored] : []))
      .filter((dfa): dfa is DigitDfa => dfa !== undefined);
    for (let i = 0; i < perRegion && parts.length > 0; i++) {
      const prefix = matchOf(parts[i % parts.length]!, next);
      if (prefix === undefined) continue;
      const cut = Math.floor(next() * 3);
      const body = i % 5 === 4 ? getCountryCallingCode(region) + example : example.slice(0, example.length - cut);
      yield [`${prefix}${body}`, region];
    }
  }
}

const OTHER_REGIONS: CountryCode[] = ['US', 'GB', 'DE', 'BR', 'IN', 'FR', 'MX', 'JP', 'AU', 'AR'];

describe('digitPathKey()', () => {
  for (const shape of ['crm', 'mixed'] satisfies SampleShape[]) {
    test(`gives the string path's key for every number it answers, and answers most, on 100,000 rows of a '${shape}' list`, () => {
      function* texts(): Generator<[string, CountryCode | undefined]> {
        let i = 0;
        for (const row of sampleRows({ rows: 100_000, seed: `digit-path-${shape}`, shape })) {
          // A third each: the row's own region, another region, none.
          const pick = i % 3;
          yield [row.phone, pick === 0 ? toRegion(row.country) : pick === 1 ? OTHER_REGIONS[i % 10] : undefined];
          i++;
        }
      }
      const { wrong, valid, decided } = compare(texts());
      expect(wrong).toEqual([]);
      expect(decided).toBeGreaterThan(0.85 * valid);
    });
  }

  test("gives the string path's key on international numbers and national spellings of every region", () => {
    const international = compare(
      (function* () {
        for (const number of generatedNumbers(40_000)) yield [number, undefined] as [string, undefined];
      })(),
    );
    expect(international.wrong).toEqual([]);
    expect(international.decided).toBeGreaterThan(0.9 * international.valid);
    const national = compare(nationalSpellings(40_000));
    expect(national.wrong).toEqual([]);
    expect(national.decided).toBeGreaterThan(0.6 * national.valid);
  });

  test("gives the string path's key where the prefixes' patterns decide, every region's", () => {
    const { wrong, valid, decided } = compare(prefixedSpellings(60));
    expect(wrong).toEqual([]);
    expect(valid).toBeGreaterThan(2000);
    expect(decided).toBeGreaterThan(0.3 * valid);
  });

  test('each reading it takes, and where it leaves the text to the string path', () => {
    const key = (text: string, region?: CountryCode) => digitPathKey(text, region);
    const of = (e164: string) => e164ToKey(e164);
    // `+`, `tel:` and white space before it, separators between the digits.
    expect(key('+41 79 828 46 51')).toBe(of('+41798284651'));
    expect(key(' tel: +41 (79) 828-46.51 ', 'US')).toBe(of('+41798284651'));
    // National, a plain trunk prefix; a national prefix pattern with one prefix matching (GB's `0|180020`).
    expect(key('(0)20 7946 0958', 'GB')).toBe(of('+442079460958'));
    expect(key('0740 026 4992', 'GB')).toBe(of('+447400264992'));
    // The calling code without `+`, taken as such (too long for GB).
    expect(key('44 7400 264992', 'GB')).toBe(of('+447400264992'));
    // A plain IDD prefix; one that is a pattern (MX `0[09]`), its single match taken.
    expect(key('0041 79 828 46 51', 'DE')).toBe(of('+41798284651'));
    expect(key('0041 79 828 46 51', 'MX')).toBe(of('+41798284651'));
    // Found invalid nationally, then read as international as the string path does (`00`, bare digits).
    expect(key('0081 90 6409 4694', 'JP')).toBe(of('+819064094694'));
    expect(key('41798284651')).toBe(of('+41798284651'));
    // Left to the string path: no region for a trunk 0, a national prefix with a carrier code (AU's
    // `(183[12])|0`), an anchored alternative of JP's prefix (`(000[2569]\d{4,6})$`), a `+` after
    // a bracket, an extension, letters, more than 20 digits, an invalid number, nothing.
    for (const [text, region] of [
      ['1831 0412 345 678', 'AU'],
      ['0002 123456', 'JP'],
      ['(+41) 79 828 46 51', undefined],
      ['+1 201 555 0123 ext. 7', undefined],
      ['n/a', 'GB'],
      ['+123456789012345678901', undefined],
      ['   ', 'US'],
      ['00', undefined],
    ] as Array<[string, CountryCode | undefined]>) {
      expect(key(text, region), text).toBe(UNDECIDED);
    }
    // Where no number is sure, it says why, as the string path does: a national number without
    // a region, digits no reading finds a number in.
    for (const [text, region, code] of [
      ['0791 123 4567', undefined, NEEDS_COUNTRY_CODE],
      [' tel:(0)20-7946', undefined, NEEDS_COUNTRY_CODE],
      ['+41 12', undefined, INVALID_NUMBER_CODE],
      ['+1', 'US', INVALID_NUMBER_CODE],
      ['123', undefined, INVALID_NUMBER_CODE],
      ['0', undefined, INVALID_NUMBER_CODE],
      ['0000000', undefined, INVALID_NUMBER_CODE],
      ['07', undefined, NEEDS_COUNTRY_CODE],
      ['063.955.6562', 'FR', INVALID_NUMBER_CODE],
      ['1234567890123456', undefined, INVALID_NUMBER_CODE],
    ] as Array<[string, CountryCode | undefined, number]>) {
      expect([text, key(text, region)]).toEqual([text, code]);
      expect([text, normalizeToKeyByStrings(text, region)]).toEqual([text, code]);
    }
  });

  test("prefixMatch() - a prefix pattern's match as exec gives it, or UNKNOWN where only exec can tell", () => {
    const match = (source: string, text: string) => {
      const digits = Uint8Array.from(text, Number);
      return prefixMatch(digitPrefix(source)!, digits, 0, digits.length);
    };
    // GB's national prefix: one alternative matches, its length.
    expect(match('0|180020', '07400264992')).toBe(1);
    expect(match('0|180020', '1800207400264992')).toBe(6);
    expect(match('0|180020', '7400264992')).toBe(NONE);
    // MX's IDD prefix, a class.
    expect(match('0[09]', '0041798284651')).toBe(2);
    // Several prefixes match (JP's `(?:(?:003768)0?)|0`): which one exec gives depends on the order.
    expect(match('(?:(?:003768)0?)|0', '0037680123')).toBe(UNKNOWN);
    expect(match('(?:(?:003768)0?)|0', '0123')).toBe(1);
    // An alternative with a group (a carrier code, AU) or anchored (JP): the string path's.
    expect(match('(183[12])|0', '18310412345678')).toBe(UNKNOWN);
    expect(match('(183[12])|0', '0412345678')).toBe(1);
    expect(match('(000[2569]\\d{4,6})$|(?:(?:003768)0?)|0', '0002123456')).toBe(UNKNOWN);
    expect(match('(000[2569]\\d{4,6})$|(?:(?:003768)0?)|0', '00021234567890')).toBe(1);
    // The empty match.
    expect(match('0?', '123')).toBe(UNKNOWN);
    // A pattern outside the digit subset has no automaton.
    expect(digitPrefix('0(?=1)')).toBeNull();
  });

  test('digitPathKeyIn() reads a cell where it stands in its line as digitPathKey() reads it alone', () => {
    let differs = 0;
    let decided = 0;
    for (const row of sampleRows({ rows: 20_000, seed: 'digit-path-in', shape: 'crm' })) {
      const line = `tel:+41 79,${row.phone},tel:+4`;
      const start = 11;
      const end = start + row.phone.length;
      const region = toRegion(row.country);
      const key = digitPathKeyIn(line, start, end, region);
      if (key !== digitPathKey(row.phone, region)) differs++;
      if (key !== UNDECIDED) decided++;
    }
    expect(differs).toBe(0);
    expect(decided).toBeGreaterThan(15_000);
    // Nothing past the end is read: a `tel:` cut by the end is no `tel:`.
    expect(digitPathKeyIn('tel:+41798284651', 0, 3, undefined)).toBe(UNDECIDED);
    expect(digitPathKeyIn('x41798284651x', 1, 12, undefined)).toBe(e164ToKey('+41798284651'));
  });

  test("reads white space as the string path's trim() does, on every UTF-16 code unit", () => {
    // The string path trims with the engine's String.prototype.trim; the digit path skips
    // isWhiteSpace() before `tel:` and `+`: a character one skips and the other keeps would read
    // `<char>+41...` as international in one and not in the other.
    const differ: string[] = [];
    for (let code = 0; code < 0x10000; code++) {
      if (isWhiteSpace(code) !== (String.fromCharCode(code).trim() === '')) differ.push(code.toString(16));
    }
    expect(differ).toEqual([]);
    expect(digitPathKey('\u3000+41 79 828 46 51\u2028', undefined)).toBe(e164ToKey('+41798284651'));
  });
});
