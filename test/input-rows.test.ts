import { describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { readInput, type InputRow, type InputSource } from '../src/input/read-input.js';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import { useTempDirs } from './helpers/temp-dir.js';

// #13 item 2 and #14 item 2: `row` is the data row a person sees, and rows in = rows out.
const tempDir = useTempDirs();

async function rows(source: InputSource): Promise<InputRow[]> {
  const all: InputRow[] = [];
  for await (const batch of readInput(source)) all.push(...batch);
  return all;
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, content);
  return path;
}

async function dryRun(source: InputSource): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for await (const result of checkNumbers(source, { dryRun: true, cacheDir: await tempDir(), country: 'CH' }))
    results.push(result);
  return results;
}

/** The data rows of every kind below, as a person sees them. */
const DATA = ['+41791000001', '', '+41791000003', '   ', '+41791000005'];

/** Excel's `sep=` line, a header, a blank record, a quoted record over two lines, an unclosed quote. */
const CSV = 'sep=;\nname;phone\na;+41791000001\n\n"b\nc";+41791000003\nd;"+41791000004\ne;+41791000005\n';
const CSV_INPUTS = ['+41791000001', '', '+41791000003', 'd;"+41791000004', '+41791000005'];

async function workbook(): Promise<string> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Contacts');
  sheet.getRow(1).values = ['Name', 'Phone'];
  sheet.getRow(2).values = ['a', '+41798284651'];
  sheet.getRow(3).values = ['b', { formula: 'A1&B1' } as ExcelJS.CellValue];
  sheet.getRow(4).values = ['c', { error: '#DIV/0!' } as ExcelJS.CellValue];
  // Row 5 is not in the sheet at all.
  sheet.getRow(6).values = ['e', '+41798284652'];
  sheet.getRow(7).values = ['f', { formula: 'A1', result: '+41798284653' } as ExcelJS.CellValue];
  sheet.getRow(8).values = [null, { formula: 'A1' } as ExcelJS.CellValue];
  sheet.getRow(9).values = [null, { error: '#N/A' } as ExcelJS.CellValue];
  const path = join(await tempDir(), 'contacts.xlsx');
  await book.xlsx.writeFile(path);
  return path;
}
const XLSX_INPUTS = ['+41798284651', '=A1&B1', '#DIV/0!', '', '+41798284652', '+41798284653', '=A1', '#N/A'];

describe('readInput() - one row per data row, numbered as a person sees it', () => {
  test('TXT: a blank line is a row, so each row is its line (1,725 lines, 3 blank)', async () => {
    const lines = Array.from({ length: 1725 }, (_, i) => `+4179${String(1_000_000 + i)}`);
    for (const blank of [10, 500, 1600]) lines[blank] = '';
    const read = await rows(await file('list.txt', `${lines.join('\n')}\n`));
    expect(read.map((row) => row.input)).toEqual(lines);
  });

  test('TXT, Readable, iterable, async iterable: the same rows', async () => {
    const text = `${DATA.join('\n')}\n`;
    async function* generated() {
      yield* DATA;
    }
    for (const source of [
      await file('list.txt', text),
      Readable.from([Buffer.from(text)], { objectMode: false }),
      DATA,
      generated(),
    ]) {
      expect((await rows(source)).map((row) => row.input)).toEqual(DATA);
    }
  });

  test("CSV: Excel's sep= line is honoured and not a row; blank, multi-line and malformed records are one row each", async () => {
    const read = await rows(await file('export.csv', CSV));
    expect(read.map((row) => row.input)).toEqual(CSV_INPUTS);
    expect(read[3]).toMatchObject({ malformed: 'unclosed quote' });
    expect(await rows(Readable.from([Buffer.from(CSV)], { objectMode: false }))).toEqual(read);
  });

  test('XLSX: one row per sheet row after the header; formulas without a value and error cells are rows with a reason', async () => {
    const read = await rows(await workbook());
    expect(read.map((row) => row.input)).toEqual(XLSX_INPUTS);
    expect(read.map((row) => row.malformed)).toEqual([
      undefined,
      expect.stringContaining('formula without a computed value'),
      'error cell #DIV/0!',
      undefined,
      undefined,
      undefined,
      expect.stringContaining('formula without a computed value'),
      'error cell #N/A',
    ]);
  });
});

describe('checkNumbers() - rows in = rows out, for every input kind', () => {
  test('TXT, CSV, XLSX, Readable, iterable, async iterable', async () => {
    const text = `${DATA.join('\n')}\n`;
    async function* generated() {
      yield* DATA;
    }
    const kinds: Array<[InputSource, string[]]> = [
      [await file('list.txt', text), DATA],
      [await file('export.csv', CSV), CSV_INPUTS],
      [await workbook(), XLSX_INPUTS],
      [Readable.from([Buffer.from(CSV)], { objectMode: false }), CSV_INPUTS],
      [DATA, DATA],
      [generated(), DATA],
    ];
    for (const [source, inputs] of kinds) {
      const results = await dryRun(source);
      expect(results.map((result) => [result.row, result.input])).toEqual(inputs.map((input, i) => [i + 1, input]));
      for (const result of results) {
        if (result.input.trim() === '') expect(result.reason).toBe('empty');
        if (/^[=#]|;"/.test(result.input)) expect(result.reason).toBe('malformed_row');
      }
    }
  });
});
