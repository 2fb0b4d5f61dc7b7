import { describe, expect, test } from 'vitest';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { readInput, type InputRow, type InputSource, type ReadInputOptions } from '../src/input/read-input.js';
import { ErrorCodes } from '../src/errors.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

async function rows(source: InputSource, options: ReadInputOptions = {}): Promise<InputRow[]> {
  const all: InputRow[] = [];
  for await (const batch of readInput(source, options)) all.push(...batch);
  return all;
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, content);
  return path;
}

describe('readInput()', () => {
  test('TXT: one number per line, a header word skipped, a blank line is a row', async () => {
    const path = await file('list.txt', 'phone\n+41798284651\n\n079 828 46 51\r\n');
    expect((await rows(path)).map((r) => r.input)).toEqual(['+41798284651', '', '079 828 46 51']);
  });

  test('CSV with a sniffed delimiter, a BOM and a country column', async () => {
    const path = await file('list.csv', '\uFEFFName\tMobile\tCountry\nAnna\t079 828 46 51\tch\nBob\t+14155552671\t\n');
    expect(await rows(path)).toEqual([
      { input: '079 828 46 51', country: 'CH', malformed: undefined },
      { input: '+14155552671', country: undefined, malformed: undefined },
    ]);
  });

  test('a file with another extension is sniffed', async () => {
    const path = await file('export.dat', 'id|phone\n1|+41798284651\n');
    expect((await rows(path)).map((r) => r.input)).toEqual(['+41798284651']);
  });

  test('XLSX: the first sheet, numeric cells keep every digit', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Contacts');
    sheet.addRow(['Name', 'Phone', 'Country']);
    sheet.addRow(['Anna', 41798284651, 'CH']);
    sheet.addRow(['Bob', '030 901820', 'DE']);
    sheet.addRow([]);
    sheet.addRow(['Cleo', { richText: [{ text: '+1 415 ' }, { text: '555 2671' }] }, 'US']);
    workbook.addWorksheet('Other').addRow(['ignored', '+41791111111']);
    const path = join(await tempDir(), 'contacts.xlsx');
    await workbook.xlsx.writeFile(path);
    expect(await rows(path)).toEqual([
      { input: '41798284651', country: 'CH', malformed: undefined },
      { input: '030 901820', country: 'DE', malformed: undefined },
      { input: '', country: undefined, malformed: undefined },
      { input: '+1 415 555 2671', country: 'US', malformed: undefined },
    ]);
    // The same workbook as a stream, recognized by its bytes.
    expect(await rows(createReadStream(path))).toHaveLength(4);
  });

  test('iterables of strings and records, sync and async', async () => {
    expect((await rows(['+41798284651', '079'])).map((r) => r.input)).toEqual(['+41798284651', '079']);
    async function* records() {
      yield { number: '079 828 46 51', country: 'CH' };
      yield 42 as unknown as string;
    }
    expect(await rows(records())).toEqual([
      { input: '079 828 46 51', country: 'CH', malformed: undefined },
      { input: '42', country: undefined, malformed: 'not a string or { number } record' },
    ]);
  });

  test('rows after the column sample: short rows are reported whole, quoted and unquoted rows read alike', async () => {
    const sample = Array.from({ length: 150 }, (_, i) => `contact ${i},+4179${String(1_000_000 + i)},CH`);
    const tail = [
      'lonely',
      'x,+41791111111',
      'y,+41792222222,DE,extra',
      '"z, q","+41 79 333 33 33",FR',
      'w,+41794444444,IT',
    ];
    const path = await file('list.csv', `name,phone,country\n${[...sample, ...tail].join('\n')}\n`);
    const read = await rows(path);
    expect(read).toHaveLength(155);
    expect(read[20]).toEqual({ input: '+41791000020', country: 'CH', malformed: undefined });
    expect(read.slice(150)).toEqual([
      { input: 'lonely', country: undefined, malformed: 'row has no phone column' },
      { input: '+41791111111', country: undefined, malformed: undefined },
      { input: '+41792222222', country: 'DE', malformed: undefined },
      { input: '+41 79 333 33 33', country: 'FR', malformed: undefined },
      { input: '+41794444444', country: 'IT', malformed: undefined },
    ]);
  });

  test('a missing file is WA_INPUT_UNREADABLE', async () => {
    await expect(rows('/nonexistent/list.csv')).rejects.toMatchObject({ code: ErrorCodes.INPUT_UNREADABLE });
  });

  test('large files stream in batches', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `+4179${String(i).padStart(7, '0')}`);
    const path = await file('big.txt', `${lines.join('\n')}\n`);
    let batches = 0;
    let count = 0;
    for await (const batch of readInput(path)) {
      batches++;
      count += batch.length;
    }
    expect(count).toBe(20_000);
    expect(batches).toBeGreaterThan(2);
  });
});
