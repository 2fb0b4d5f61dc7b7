import { expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { CheckResult } from '../src/job/check-numbers.js';
import { formatOfPath, writeResults } from '../src/output/write-results.js';
import { neutralizeFormula } from '../src/output/formula-guard.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

const results: CheckResult[] = [
  { row: 1, input: '+41 79 828 46 51', number: '+41798284651', whatsapp: 'yes', source: 'api', reason: null, duplicate: false },
  { row: 2, input: '=HYPERLINK("http://evil","x")', number: null, whatsapp: null, source: null, reason: 'not_a_phone_number', duplicate: false },
  { row: 3, input: 'a, "quoted"', number: '+41798284651', whatsapp: 'yes', source: 'cache', reason: null, duplicate: true },
];

async function* batches() {
  yield results.slice(0, 2);
  yield results.slice(2);
}

test('neutralizeFormula() - text a spreadsheet would run gets a leading quote', () => {
  for (const text of ['=1+1', '+41 79', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutralizeFormula(text)).toBe(`'${text}`);
  expect(neutralizeFormula('plain')).toBe('plain');
});

test('writeResults() - CSV: header, quoting, formula injection neutralized except in number', async () => {
  const path = join(await tempDir(), 'out.csv');
  expect(await writeResults(batches(), 'csv', path)).toBe(3);
  expect((await readFile(path, 'utf8')).split('\n')).toEqual([
    'row,input,number,whatsapp,source,reason,duplicate',
    "1,'+41 79 828 46 51,+41798284651,yes,api,,false",
    `2,"'=HYPERLINK(""http://evil"",""x"")",,,,not_a_phone_number,false`,
    '3,"a, ""quoted""",+41798284651,yes,cache,,true',
    '',
  ]);
});

test('writeResults() - JSONL: one result object per line', async () => {
  const path = join(await tempDir(), 'out.jsonl');
  await writeResults(batches(), 'jsonl', path);
  const lines = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
  expect(lines).toEqual(results);
});

test('writeResults() - XLSX: numbers as text, inputs neutralized', async () => {
  const path = join(await tempDir(), 'out.xlsx');
  await writeResults(batches(), 'xlsx', path);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0]!;
  expect(sheet.getRow(1).values).toEqual([undefined, 'row', 'input', 'number', 'whatsapp', 'source', 'reason', 'duplicate']);
  expect(sheet.getRow(2).getCell(3).value).toBe('+41798284651');
  expect(sheet.getRow(3).getCell(2).value).toBe(`'=HYPERLINK("http://evil","x")`);
  expect(sheet.rowCount).toBe(4);
});

test('formatOfPath()', () => {
  expect(formatOfPath('a/b.CSV')).toBe('csv');
  expect(formatOfPath('x.ndjson')).toBe('jsonl');
  expect(formatOfPath('x.xlsx')).toBe('xlsx');
  expect(formatOfPath('x.txt')).toBeUndefined();
});
