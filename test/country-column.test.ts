import { describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  readInput,
  type ColumnsChosen,
  type InputRow,
  type InputSource,
  type ReadInputOptions,
} from '../src/input/read-input.js';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import { useTempDirs } from './helpers/temp-dir.js';

// #13 item 7: a country column holding names was ignored (every national number: needs_country).
const tempDir = useTempDirs();

async function rows(source: InputSource, options: ReadInputOptions = {}): Promise<InputRow[]> {
  const all: InputRow[] = [];
  for await (const batch of readInput(source, options)) all.push(...batch);
  return all;
}

async function csv(text: string): Promise<string> {
  const path = join(await tempDir(), 'contacts.csv');
  await writeFile(path, text);
  return path;
}

const CONTACTS = [
  'name,mobile,country',
  'a,079 828 46 51,Switzerland',
  'b,079 828 46 52,CHE',
  'c,079 828 46 53,ch',
  'd,(415) 555-2671,United States of America',
  "e,07 07 07 07 07,  côte d'ivoire ",
  'f,079 828 46 54,Narnia',
  'g,+41798284655,',
].join('\n');

describe('country column', () => {
  test('readInput() - alpha-2, alpha-3 and English names become regions; an unknown value is kept to report', async () => {
    expect((await rows(await csv(CONTACTS))).map((row) => [row.country, row.unknownCountry])).toEqual([
      ['CH', undefined],
      ['CH', undefined],
      ['CH', undefined],
      ['US', undefined],
      ['CI', undefined],
      [undefined, 'Narnia'],
      [undefined, undefined],
    ]);
    const records = [
      { number: '030 901820', country: 'Germany' },
      { number: '030 901820', country: 'DEU' },
      { number: '030 901820', country: 'Germania' },
    ];
    expect((await rows(records)).map((row) => [row.country, row.unknownCountry])).toEqual([
      ['DE', undefined],
      ['DE', undefined],
      [undefined, 'Germania'],
    ]);
  });

  test('checkNumbers() - national numbers are read in the named country; an unknown country is reason unknown_country', async () => {
    const results: CheckResult[] = [];
    // `country` would read the Narnia row as Swiss: an unknown country must not fall back to it.
    for await (const result of checkNumbers(await csv(CONTACTS), {
      dryRun: true,
      cacheDir: await tempDir(),
      country: 'CH',
    }))
      results.push(result);
    expect(results.map((result) => [result.row, result.number ?? result.reason])).toEqual([
      [1, '+41798284651'],
      [2, '+41798284652'],
      [3, '+41798284653'],
      [4, '+14155552671'],
      [5, '+2250707070707'],
      [6, 'unknown_country'],
      [7, '+41798284655'],
    ]);
  });

  test('readInput() - onColumns tells which columns were chosen, and whether named or detected', async () => {
    const seen: ColumnsChosen[] = [];
    await rows(await csv(CONTACTS), { onColumns: (columns) => seen.push(columns) });
    await rows(await csv(CONTACTS), { column: 'Mobile', countryColumn: 3, onColumns: (columns) => seen.push(columns) });
    await rows(await csv('+41798284651\n+41798284652\n'), { onColumns: (columns) => seen.push(columns) });
    expect(seen).toEqual([
      {
        hasHeader: true,
        phone: { position: 2, header: 'mobile', how: 'detected' },
        country: { position: 3, header: 'country', how: 'detected' },
      },
      {
        hasHeader: true,
        phone: { position: 2, header: 'mobile', how: 'named' },
        country: { position: 3, header: 'country', how: 'named' },
      },
      { hasHeader: false, phone: { position: 1, header: undefined, how: 'detected' }, country: undefined },
    ]);
  });
});
