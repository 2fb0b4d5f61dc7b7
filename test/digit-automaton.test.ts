import { expect, test } from 'vitest';
import { getCountries, Metadata } from 'libphonenumber-js/max';
import {
  bothDfa,
  type DigitDfa,
  digitDfa,
  leadingStarts,
  matchesPrefix,
  matchesWhole,
  wholeMatches,
} from '../src/normalize/digit-automaton.js';
import { random } from './helpers/normalize-differential.js';

const startsOf = (table: Uint8Array | undefined) =>
  table === undefined ? undefined : [...table.keys()].filter((start) => table[start] === 1);

test('leadingStarts() - the three-digit starts a pattern can begin a match of', () => {
  expect(startsOf(leadingStarts('268'))).toEqual([268]);
  expect(startsOf(leadingStarts('2(?:[0-4]|5[67])'))).toEqual([
    ...Array.from({ length: 50 }, (_, i) => 200 + i),
    256,
    257,
  ]);
  // Matched within two digits: every text that starts so.
  expect(startsOf(leadingStarts('1|9[89]'))).toEqual([
    ...Array.from({ length: 100 }, (_, i) => 100 + i),
    ...Array.from({ length: 20 }, (_, i) => 980 + i),
  ]);
  expect(startsOf(leadingStarts('\\d{2}9'))?.length).toBe(100);
  expect(startsOf(leadingStarts('(?:1\\d)?7[0-2]+'))).toEqual([
    ...Array.from({ length: 10 }, (_, i) => 107 + i * 10),
    ...Array.from({ length: 30 }, (_, i) => 700 + i),
  ]);
  // A pattern that matches the empty text matches every start.
  expect(startsOf(leadingStarts('5?'))?.length).toBe(1000);
  expect(startsOf(leadingStarts('[1-3]{0,2}4*'))?.length).toBe(1000);
});

test('leadingStarts() - syntax outside the digit subset is left to the RegExp (undefined)', () => {
  for (const source of ['(?=1)2', '1$', '[^1]', '.', '\\w', '(?!1)', 'a'])
    expect(leadingStarts(source)).toBeUndefined();
});

test("leadingStarts() never rules out a start that the metadata's leading digits match", () => {
  const metadata = new Metadata() as unknown as {
    selectNumberingPlan(region: string): { numberingPlan: { leadingDigits(): string | undefined } };
  };
  let next = 99;
  const digit = () => {
    next = (next * 48271) % 2147483647;
    return next % 10;
  };
  let patterns = 0;
  const wrong: string[] = [];
  for (const region of getCountries()) {
    const source = metadata.selectNumberingPlan(region).numberingPlan.leadingDigits();
    if (!source) continue;
    patterns++;
    const table = leadingStarts(source);
    expect(table).toBeDefined();
    const pattern = new RegExp(`^(?:${source})`);
    for (let start = 0; start < 1000; start++) {
      const head = String(start).padStart(3, '0');
      // Ruled out: no text with that start may match, whatever follows.
      if (table![start] === 1) continue;
      for (let i = 0; i < 40; i++) {
        let text = head;
        for (let length = i % 12; length > 0; length--) text += digit();
        if (pattern.test(text)) wrong.push(`${region} ${source}: ${text}`);
      }
    }
  }
  expect(patterns).toBeGreaterThan(30); // 36 regions have leading digits
  expect(wrong.slice(0, 10)).toEqual([]);
});

/** Digit strings for a DFA: walks of it that stop in accepting states (matches), each with one digit changed now and then, and random ones. */
function* textsFor(dfa: DigitDfa, next: () => number, count: number): Generator<number[]> {
  for (let i = 0; i < count; i++) {
    const digits: number[] = [];
    if (i % 4 === 3) {
      for (let length = Math.floor(next() * 18); length > 0; length--) digits.push(Math.floor(next() * 10));
    } else {
      let state = 0;
      while (digits.length < 20) {
        if (dfa.accepting[state] !== 0 && next() < 0.25) break;
        const live = [...Array(10).keys()].filter((digit) => dfa.next[state * 10 + digit]! >= 0);
        if (live.length === 0) break;
        const digit = live[Math.floor(next() * live.length)]!;
        digits.push(digit);
        state = dfa.next[state * 10 + digit]!;
      }
      if (i % 4 === 2 && digits.length > 0) digits[Math.floor(next() * digits.length)] = Math.floor(next() * 10);
    }
    yield digits;
  }
}

/** Every pattern of the pinned metadata's regions that the fast path tests (fast-parse.ts). */
function metadataPatterns(): Array<{ source: string; region: string }> {
  const metadata = new Metadata() as unknown as {
    selectNumberingPlan(region: string): {
      numberingPlan: {
        leadingDigits(): string | undefined;
        nationalNumberPattern(): string;
        type(name: string): { pattern(): string | undefined } | undefined;
      };
    };
  };
  const patterns: Array<{ source: string; region: string }> = [];
  for (const region of getCountries()) {
    const plan = metadata.selectNumberingPlan(region).numberingPlan;
    patterns.push({ source: plan.nationalNumberPattern(), region });
    const leading = plan.leadingDigits();
    if (leading) patterns.push({ source: leading, region });
    for (const name of ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'VOIP', 'UAN']) {
      const source = plan.type(name)?.pattern();
      if (source) patterns.push({ source, region });
    }
  }
  return patterns;
}

test("digitDfa() answers as the RegExp of the same pattern, whole and prefix, on every pattern of the metadata's regions", () => {
  const next = random(2611);
  const wrong: string[] = [];
  let patterns = 0;
  let matched = 0;
  for (const { source, region } of metadataPatterns()) {
    const dfa = digitDfa([source]);
    expect(dfa, `${region} ${source}`).toBeDefined();
    patterns++;
    const whole = new RegExp(`^(?:${source})$`);
    const prefix = new RegExp(`^(?:${source})`);
    for (const digits of textsFor(dfa!, next, 40)) {
      const text = digits.join('');
      const array = Uint8Array.from([7, ...digits, 7]); // read from 1 to length - 1: offsets matter
      const isWhole = matchesWhole(dfa!, array, 1, array.length - 1);
      if (isWhole) matched++;
      if (isWhole !== whole.test(text)) wrong.push(`${region} ${source} whole: ${text}`);
      if (matchesPrefix(dfa!, array, 1, array.length - 1) !== prefix.test(text))
        wrong.push(`${region} ${source} prefix: ${text}`);
    }
  }
  expect(wrong.slice(0, 10)).toEqual([]);
  expect(patterns).toBeGreaterThan(1000);
  // The walks find matches (a test of texts that never match could not fail).
  expect(matched).toBeGreaterThan(patterns * 10);
});

test('digitDfa() of several patterns is their union; bothDfa() what both match', () => {
  const union = digitDfa(['1\\d{2}', '2[0-4]'])!;
  const whole = (dfa: DigitDfa, text: string) => matchesWhole(dfa, Uint8Array.from(text, Number), 0, text.length);
  expect(['100', '199', '20', '24'].every((text) => whole(union, text))).toBe(true);
  expect(['10', '25', '1000', '2', ''].some((text) => whole(union, text))).toBe(false);
  // Which pattern matched: bit i for pattern i.
  const bits = (text: string) => wholeMatches(union, Uint8Array.from(text, Number), 0, text.length);
  expect([bits('100'), bits('20'), bits('2')]).toEqual([1, 2, 0]);
  expect(wholeMatches(digitDfa(['\\d{3}', '1\\d\\d', '9'])!, Uint8Array.from([1, 2, 3]), 0, 3)).toBe(3);
  const next = random(77);
  const a = digitDfa(['[1-3]\\d{3,6}'])!;
  const b = digitDfa(['\\d{5}|2\\d*9'])!;
  const both = bothDfa(a, b)!;
  const wrong: string[] = [];
  for (const digits of [...textsFor(a, next, 2000), ...textsFor(b, next, 2000)]) {
    const text = digits.join('');
    if (whole(both, text) !== (whole(a, text) && whole(b, text))) wrong.push(text);
  }
  expect(wrong).toEqual([]);
  expect(whole(both, '22229')).toBe(true);
});

test('digitDfa() - syntax outside the digit subset is left to the RegExp (undefined)', () => {
  for (const source of ['(?=1)2', '1$', '[^1]', '.', '\\w', '(?!1)', 'a']) expect(digitDfa([source])).toBeUndefined();
  expect(digitDfa(['1', '2$'])).toBeUndefined();
});
