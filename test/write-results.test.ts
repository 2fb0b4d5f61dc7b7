import { expect, test } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import { MemoryResultCache } from '../src/store/memory-result-cache.js';
import { INVALID_REASONS, State } from '../src/job/answer-state.js';
import { ResultBlock, toResults } from '../src/job/result-block.js';
import { csvLine, csvBytes } from '../src/output/csv-format.js';
import { formatOfPath, writeResults } from '../src/output/write-results.js';
import { neutralizeFormula } from '../src/output/formula-guard.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

const results: CheckResult[] = [
  {
    row: 1,
    input: '+41 79 828 46 51',
    number: '+41798284651',
    whatsapp: 'yes',
    source: 'api',
    reason: null,
    duplicate: false,
  },
  {
    row: 2,
    input: '=HYPERLINK("http://evil","x")',
    number: null,
    whatsapp: null,
    source: null,
    reason: 'not_a_phone_number',
    duplicate: false,
  },
  {
    row: 3,
    input: 'a, "quoted"',
    number: '+41798284651',
    whatsapp: 'yes',
    source: 'cache',
    reason: null,
    duplicate: true,
  },
];

async function* batches() {
  yield results.slice(0, 2);
  yield results.slice(2);
}

test('neutralizeFormula() - text a spreadsheet would run gets a leading quote', () => {
  for (const text of ['=1+1', '+41 79', '-2', '@SUM(A1)', '\tx', '\rx'])
    expect(neutralizeFormula(text)).toBe(`'${text}`);
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

test('writeResults() - JSONL: one object per line, values as read, whatsapp true/false/null', async () => {
  const path = join(await tempDir(), 'out.jsonl');
  await writeResults(batches(), 'jsonl', path);
  const lines = (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines).toEqual(
    results.map((result) => ({ ...result, whatsapp: result.whatsapp === null ? null : result.whatsapp === 'yes' })),
  );
  expect(lines[1].input).toBe('=HYPERLINK("http://evil","x")');
  expect(lines[1].whatsapp).toBeNull();
  expect(lines[1].reason).toBe('not_a_phone_number');
});

test('writeResults() - XLSX: typed text cells, inputs exactly as read (no formula guard needed)', async () => {
  const path = join(await tempDir(), 'out.xlsx');
  await writeResults(batches(), 'xlsx', path);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0]!;
  expect(sheet.getRow(1).values).toEqual([
    undefined,
    'row',
    'input',
    'number',
    'whatsapp',
    'source',
    'reason',
    'duplicate',
  ]);
  expect(sheet.getRow(2).getCell(3).value).toBe('+41798284651');
  expect(sheet.getRow(2).getCell(2).value).toBe('+41 79 828 46 51');
  expect(sheet.getRow(3).getCell(2).value).toBe('=HYPERLINK("http://evil","x")');
  expect(sheet.getRow(3).getCell(2).type).toBe(ExcelJS.ValueType.String);
  expect(sheet.rowCount).toBe(4);
});

test('formatOfPath()', () => {
  expect(formatOfPath('a/b.CSV')).toBe('csv');
  expect(formatOfPath('x.ndjson')).toBe('jsonl');
  expect(formatOfPath('x.xlsx')).toBe('xlsx');
  expect(formatOfPath('x.txt')).toBeUndefined();
});

test('csvBytes() - a column block formats exactly as its result objects do, in every state', () => {
  const inputs = [
    '+41 79 828 46 51',
    '=cmd|x',
    'a, "b"',
    '-5',
    'line\nbreak',
    '\r',
    '',
    '+41 79 828 46 51\u00a0',
    'Zürich, "ЦУМ"',
    '\ud83d\udcde 079',
    '\ud800',
    '@x',
    '\tx',
  ];
  const block = new ResultBlock(Object.values(State).length * inputs.length + INVALID_REASONS.length);
  let row = 1;
  for (const state of Object.values(State)) {
    for (const input of inputs) {
      block.addNumber(row, input, 41798284650 + row, state, row % 3 === 0);
      row++;
    }
  }
  for (let reasonCode = 1; reasonCode < INVALID_REASONS.length; reasonCode++) {
    block.addInvalid(row, inputs[row % inputs.length]!, reasonCode);
    row++;
  }
  expect(block.length).toBe(Object.values(State).length * inputs.length + INVALID_REASONS.length - 1);
  const expected = toResults(block)
    .map((result) => csvLine(result))
    .join('');
  // Compared as the bytes a file gets (a lone surrogate is written as U+FFFD either way).
  expect(csvBytes(block).equals(Buffer.from(expected, 'utf8'))).toBe(true);
  expect(csvBytes(block).toString('utf8')).toBe(Buffer.from(expected, 'utf8').toString('utf8'));
  // without the formula guard, the same agreement, and the inputs exactly as read
  const unguarded = toResults(block)
    .map((result) => csvLine(result, { formulaGuard: false }))
    .join('');
  expect(csvBytes(block, { formulaGuard: false }).equals(Buffer.from(unguarded, 'utf8'))).toBe(true);
  expect(unguarded).toContain('\n2,=cmd|x,');
  // and the object path is the reference the other writers use: spot-check it
  expect(csvLine(toResults(block)[1]!)).toBe(`2,'=cmd|x,+41798284652,,,not_checked,false\n`);
});

test('writeResults() - a job writes through its blocks, the same text as through its result objects', async () => {
  const dir = await tempDir();
  const input = join(dir, 'in.csv');
  await writeFile(input, 'phone\n+41798284651\nnot a number\n+41 79 828 46 51\n=2+2\n');
  const cache = new MemoryResultCache();
  await cache.putMany([['+41798284651', { whatsapp: 'yes', checkedAt: Date.now() }]]);
  const viaBlocks = join(dir, 'blocks.csv');
  const viaObjects = join(dir, 'objects.csv');
  expect(await writeResults(checkNumbers(input, { cache, dryRun: true }), 'csv', viaBlocks)).toBe(4);
  await writeResults(checkNumbers(input, { cache, dryRun: true }).batches(), 'csv', viaObjects);
  const text = await readFile(viaBlocks, 'utf8');
  expect(text).toBe(await readFile(viaObjects, 'utf8'));
  expect(text).toContain("3,'+41 79 828 46 51,+41798284651,yes,cache,,true\n4,'=2+2,,,,not_a_phone_number,false\n");
});

test('csvBytes() - row numbers and numbers of every length, zero-padded halves included, as csvLine writes them', () => {
  const keys = [
    10_000_000, 12_345_678, 99_999_999, 100_000_000, 100_000_001, 41_700_000_001, 41_798_284_651, 4_179_828_465,
    4_915_100_000_009, 999_999_999_999_999, 100_000_000_000_000,
  ];
  const rows = [1, 9, 10, 99, 100, 12_345, 99_999_999, 100_000_000, 4_294_967_295];
  const block = new ResultBlock(keys.length * rows.length);
  for (const key of keys) for (const row of rows) block.addNumber(row, 'x', key, State.CACHE_YES, false);
  const expected = toResults(block)
    .map((result) => csvLine(result))
    .join('');
  expect(csvBytes(block).toString('latin1')).toBe(expected);
  expect(expected).toContain('\n100000000,x,+100000000,');
  expect(expected).toContain('4294967295,x,+41700000001,');
});
