import { expect, test } from 'vitest';
import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { normalizeNumber, normalizeNumberByLibrary } from '../src/normalize/normalize-number.js';
import { random } from './helpers/normalize-differential.js';

// With a region, `00...` and bare calling-code digits are read as that region's national number
// first. The fast path proves most of those readings must fail without asking who owns the number
// (fast-parse.ts: mayBeValid, owns' leadingStarts); these cases hold it to libphonenumber's answer,
// above all where the national reading does succeed.

/** Texts that start with `00` or with the region's calling code, as CRM exports write them. */
function* nationalFirstTexts(perRegion: number): Generator<[string, CountryCode]> {
  const next = random(18);
  const digits = (count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join('');
  // The regions whose IDD prefix is not 00 (the US 011, Japan 010, Australia 0011, ...) and those
  // of +1, whose 24 regions with leading digits are what the proof skips, get more cases.
  const heavy = new Set([
    'US',
    'CA',
    'JP',
    'AU',
    'BR',
    'KR',
    'SG',
    'TH',
    'HK',
    'TJ',
    'KH',
    'ID',
    'CO',
    'NG',
    'AG',
    'JM',
  ]);
  for (const region of getCountries()) {
    const code = getCountryCallingCode(region);
    const count = heavy.has(region) ? perRegion * 8 : perRegion;
    for (let i = 0; i < count; i++) {
      const length = 4 + Math.floor(next() * 12);
      const kind = i % 4;
      if (kind === 0) yield [`00${digits(length)}`, region];
      else if (kind === 1) yield [`00${code}${digits(length - 2)}`, region];
      else if (kind === 2) yield [`${code}${digits(length)}`, region];
      else yield [`00 ${code} ${digits(3)} ${digits(Math.max(1, length - 5))}`, region];
    }
  }
}

test('normalizeNumber() answers the library on 00... and calling-code digits read with a region, the national reading first', () => {
  const mismatches: string[] = [];
  let nationalWins = 0;
  let checked = 0;
  for (const [text, region] of nationalFirstTexts(60)) {
    checked++;
    const fast = normalizeNumber(text, region);
    const reference = normalizeNumberByLibrary(text, region);
    // Without a region the text is read as international only: a different valid answer with the
    // region means its national reading won.
    const international = normalizeNumberByLibrary(text);
    if (reference.ok && JSON.stringify(reference) !== JSON.stringify(international)) nationalWins++;
    if (JSON.stringify(fast) !== JSON.stringify(reference) && mismatches.length < 20)
      mismatches.push(`${text} (${region}): ${JSON.stringify(fast)} vs ${JSON.stringify(reference)}`);
  }
  expect(mismatches).toEqual([]);
  expect(checked).toBeGreaterThan(15_000);
  // The cases must include national readings that succeed, not only ones that fail.
  expect(nationalWins).toBeGreaterThan(200); // 321 of 21,420 with these seeds
});

test('normalizeNumber() - national readings of 00 and calling-code digits that succeed keep their answer', () => {
  // Found by the generator above: each is valid as the region's own number, not as international.
  const cases: Array<[string, CountryCode]> = [
    ['97133355', 'AE'],
    ['001637422363011', 'AU'],
  ];
  for (const [text, region] of cases) {
    const reference = normalizeNumberByLibrary(text, region);
    expect(reference.ok).toBe(true);
    expect(JSON.stringify(reference)).not.toBe(JSON.stringify(normalizeNumberByLibrary(text)));
    expect(normalizeNumber(text, region)).toEqual(reference);
  }
});
