import { expect, test } from 'vitest';
import { getCountries, Metadata } from 'libphonenumber-js/max';
import { leadingStarts } from '../src/normalize/digit-automaton.js';

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
