import { describe, expect, test } from 'vitest';
import { normalizeNumber, normalizeNumberByLibrary, toRegion } from '../src/normalize/normalize-number.js';
import { sampleRows } from '../src/sample/sample-list.js';

const ROWS = 20_000;

function measure(shape: 'mixed' | 'crm') {
  const unique = new Set<string>();
  let e164 = 0;
  let junk = 0;
  for (const row of sampleRows({ rows: ROWS, seed: 'shape-test', shape })) {
    if (/^\+\d+$/.test(row.phone)) e164++;
    if (!/\d{6}/.test(row.phone.replace(/[^\d]/g, ''))) junk++;
    const normalized = normalizeNumber(row.phone, toRegion(row.country));
    if (normalized.ok) unique.add(normalized.e164);
  }
  return { e164Share: e164 / ROWS, junkShare: junk / ROWS, uniqueShare: unique.size / ROWS };
}

describe('sampleRows()', () => {
  test("shape 'crm': ~80% unique numbers, at least 60% of spellings not E.164, ~1.5% junk", () => {
    const crm = measure('crm');
    expect(crm.uniqueShare).toBeGreaterThan(0.75);
    expect(crm.uniqueShare).toBeLessThan(0.85);
    expect(1 - crm.e164Share).toBeGreaterThanOrEqual(0.6);
    expect(crm.junkShare).toBeGreaterThan(0.01);
    expect(crm.junkShare).toBeLessThan(0.02);
  });

  test("shape 'crm' spells numbers as CRM exports do: tel:, 00, dashes, parentheses, dots, national", () => {
    const phones = [...sampleRows({ rows: 2_000, seed: 'shape-test', shape: 'crm' })].map((row) => row.phone);
    for (const shape of [/^tel:\+\d+$/, /^00\d+ /, /^\+\d+-\d/, /^\(\d+\) \d+-\d+$/, /^\d{3}\.\d{3}\./, /^0\d{2,3} \d/])
      expect(phones.some((phone) => shape.test(phone))).toBe(true);
  });

  test("the default shape is still the generator's first ('mixed'), row for row", () => {
    const plain = [...sampleRows({ rows: 500, seed: 'same' })];
    const mixed = [...sampleRows({ rows: 500, seed: 'same', shape: 'mixed' })];
    expect(mixed).toEqual(plain);
    expect(measure('mixed').e164Share).toBeGreaterThan(0.3);
  });

  test("normalizeNumber() answers libphonenumber-js's answer on every row of a 'crm' list", () => {
    const differences: string[] = [];
    for (const row of sampleRows({ rows: ROWS, seed: 'differential', shape: 'crm' })) {
      const region = toRegion(row.country);
      const fast = normalizeNumber(row.phone, region);
      const library = normalizeNumberByLibrary(row.phone, region);
      if (JSON.stringify(fast) !== JSON.stringify(library))
        differences.push(`${row.phone} (${row.country}): ${JSON.stringify(fast)} vs ${JSON.stringify(library)}`);
    }
    expect(differences).toEqual([]);
  });
});
