import { describe, expect, test } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ResultFileLimits, type ResultRecord, readResultFile } from '../src/api/result-reader.js';
import { ErrorCodes, WaError } from '../src/errors.js';
import { tableCrc32, crc32 } from '../src/zip/crc32.js';
import { buildZip } from '../src/zip/zip-writer.js';
import {
  bombPart,
  plainPart,
  SHEET_HEAD,
  SHEET_PART,
  SHEET_TAIL,
  STRINGS_PART,
  sharedStringSheet,
  sheetXml,
  workbookEntries,
  writeBombWorkbook,
  writeWorkbook,
} from './helpers/result-files.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();
const LIMITS: ResultFileLimits = { maxUnzippedBytes: 64 * 1024 * 1024, maxRows: 1000 };

async function read(path: string, limits: Partial<ResultFileLimits> = {}): Promise<ResultRecord[]> {
  const records: ResultRecord[] = [];
  for await (const record of readResultFile(path, join(path, '..'), { ...LIMITS, ...limits })) records.push(record);
  return records;
}

async function failure(path: string, limits: Partial<ResultFileLimits> = {}): Promise<WaError> {
  try {
    await read(path, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(WaError);
    return error as WaError;
  }
  throw new Error('expected the file to be refused');
}

async function workbook(parts: Parameters<typeof writeWorkbook>[1]): Promise<string> {
  const path = join(await tempDir(), 'result.xlsx');
  await writeWorkbook(path, parts);
  return path;
}

const ROWS = [
  ['+41798284651', 'yes'],
  ['41798284652', 'no'],
  ['+41 79 828 46 53', 'YES'],
  ['not a number', 'yes'],
  ['+41798284654', 'maybe'],
];
const EXPECTED = [
  { number: '+41798284651', whatsapp: 'yes' },
  { number: '+41798284652', whatsapp: 'no' },
  { number: '+41798284653', whatsapp: 'yes' },
];

describe('readResultFile() - files of the contract', () => {
  test.each([
    ['Number', 'whatsapp'],
    ['number', 'activated'],
    ['NUMBER', 'WhatsApp'],
  ])('headers %s / %s, inline strings and shared strings', async (numberHeader, answerHeader) => {
    const rows = [[numberHeader, answerHeader], ...ROWS];
    expect(await read(await workbook({ sheet: sheetXml(rows) }))).toEqual(EXPECTED);
    expect(await read(await workbook(sharedStringSheet(rows)))).toEqual(EXPECTED);
  });

  test('the first sheet is found through the workbook relationships, wherever it lives', async () => {
    const path = await workbook({ sheet: sheetXml([['Number', 'whatsapp'], ...ROWS]), sheetPath: 'sheets/x9.xml' });
    expect(await read(path)).toEqual(EXPECTED);
  });

  test('numeric cells, in any notation, keep every digit', async () => {
    const sheet = `${SHEET_HEAD}<row><c t="inlineStr"><is><t>Number</t></is></c><c t="inlineStr"><is><t>whatsapp</t></is></c></row><row><c><v>41798284651</v></c><c t="inlineStr"><is><t>yes</t></is></c></row><row><c t="n"><v>4.1798284652E10</v></c><c t="b"><v>0</v></c></row>${SHEET_TAIL}`;
    expect(await read(await workbook({ sheet }))).toEqual([
      { number: '+41798284651', whatsapp: 'yes' },
      { number: '+41798284652', whatsapp: 'no' },
    ]);
  });

  test('cells without references follow one another, as ECMA-376 allows (was a TypeError)', async () => {
    const path = await workbook({ sheet: sheetXml([['Number', 'whatsapp'], ...ROWS], { references: false }) });
    expect(await read(path)).toEqual(EXPECTED);
  });

  test("the provider's product columns come back as extras, only when the file has them", async () => {
    const active = [
      ['number', 'activated', 'ActiveTime', 'activedays', 'business'],
      ['+41798284651', 'yes', '2024-10-01', '12', 'no'],
      ['+41798284652', 'no', '', '', ''],
    ];
    expect(await read(await workbook({ sheet: sheetXml(active) }))).toEqual([
      {
        number: '+41798284651',
        whatsapp: 'yes',
        extras: { activetime: '2024-10-01', activedays: '12', business: 'no' },
      },
      { number: '+41798284652', whatsapp: 'no', extras: { activetime: '', activedays: '', business: '' } },
    ]);
    const avatar = [
      ['number', 'activated', 'age', 'avatar', 'category', 'gender', 'Hair Color', 'skin_color', 'unknown'],
      ['+41798284651', 'yes', '30', 'yes', 'person', 'f', 'brown', 'light', 'x'],
    ];
    expect((await read(await workbook(sharedStringSheet(avatar))))[0]!.extras).toEqual({
      age: '30',
      avatar: 'yes',
      category: 'person',
      gender: 'f',
      hair_color: 'brown',
      skin_color: 'light',
    });
    expect((await read(await workbook({ sheet: sheetXml([['Number', 'whatsapp'], ...ROWS]) })))[0]).not.toHaveProperty(
      'extras',
    );
  });

  test('text outside ASCII survives the shared-string table and chunk boundaries', async () => {
    const category = `personne âgée 👩‍🦳 ${'é'.repeat(70_000)}`;
    const rows = [
      ['number', 'activated', 'category'],
      ['+41798284651', 'yes', category],
    ];
    expect((await read(await workbook(sharedStringSheet(rows))))[0]!.extras).toEqual({ category });
    expect((await read(await workbook({ sheet: sheetXml(rows) })))[0]!.extras).toEqual({ category });
  });

  test('extras are scrubbed of the key, like every text of the provider', async () => {
    const sheet = sheetXml([
      ['number', 'activated', 'category'],
      ['+41798284651', 'yes', 'key SEKRET-1 here'],
    ]);
    const records = await read(await workbook({ sheet }), { secrets: ['SEKRET-1'] });
    expect(records[0]!.extras).toEqual({ category: 'key [redacted] here' });
  });

  test('a .zip around the workbook is read, and its extracted copy removed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'result.zip');
    const xlsx = await buildZip(workbookEntries({ sheet: sheetXml([['Number', 'whatsapp'], ...ROWS]) }));
    await writeFile(path, await buildZip([{ name: 'task.xlsx', data: xlsx }]));
    expect(await read(path)).toEqual(EXPECTED);
    expect(await readdir(dir)).toEqual(['result.zip']);
  });

  test('a consumer that stops early leaves no file behind', async () => {
    const dir = await tempDir();
    const path = join(dir, 'result.zip');
    const xlsx = await buildZip(workbookEntries({ sheet: sheetXml([['Number', 'whatsapp'], ...ROWS]) }));
    await writeFile(path, await buildZip([{ name: 'task.xlsx', data: xlsx }]));
    for await (const record of readResultFile(path, dir, LIMITS)) {
      expect(record).toEqual(EXPECTED[0]);
      break;
    }
    expect(await readdir(dir)).toEqual(['result.zip']);
  });
});

describe('readResultFile() - files that break the contract are typed errors', () => {
  test('columns not found: WA_RESULT_COLUMNS_NOT_FOUND, the first row shown without the key', async () => {
    const error = await failure(
      await workbook({
        sheet: sheetXml([
          ['phone?', 'SEKRET-1'],
          ['+41798284651', 'yes'],
        ]),
      }),
      {
        secrets: ['SEKRET-1'],
      },
    );
    expect(error.code).toBe(ErrorCodes.RESULT_COLUMNS_NOT_FOUND);
    expect(error.message).toContain('phone?');
    expect(error.message).not.toContain('SEKRET');
  });

  test('an empty sheet: WA_RESULT_COLUMNS_NOT_FOUND', async () => {
    expect((await failure(await workbook({ sheet: sheetXml([]) }))).code).toBe(ErrorCodes.RESULT_COLUMNS_NOT_FOUND);
  });

  test('not a zip, or a zip without a workbook: WA_RESULT_INVALID', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.xlsx'), 'hello, not a zip');
    expect((await failure(join(dir, 'a.xlsx'))).code).toBe(ErrorCodes.RESULT_INVALID);
    await writeFile(join(dir, 'b.zip'), await buildZip([{ name: 'readme.txt', data: Buffer.from('hi') }]));
    expect((await failure(join(dir, 'b.zip'))).code).toBe(ErrorCodes.RESULT_INVALID);
  });

  test('a damaged entry (CRC-32 mismatch): WA_RESULT_INVALID', async () => {
    const path = join(await tempDir(), 'crc.xlsx');
    const sheet = plainPart(SHEET_PART, sheetXml([['Number', 'whatsapp'], ...ROWS]));
    await writeBombWorkbook(path, { ...sheet, crc: (sheet.crc + 1) >>> 0 });
    const error = await failure(path);
    expect(error.code).toBe(ErrorCodes.RESULT_INVALID);
    expect(error.message).toMatch(/CRC/);
  });

  test('a part that inflates past what its header claims: WA_RESULT_INVALID after those bytes', async () => {
    const path = join(await tempDir(), 'liar.xlsx');
    const part = bombPart(SHEET_PART, SHEET_HEAD, ' ', 50_000_000, SHEET_TAIL);
    await writeBombWorkbook(path, { ...part, declaredSize: 4000 });
    const error = await failure(path);
    expect(error.code).toBe(ErrorCodes.RESULT_INVALID);
    expect(error.message).toMatch(/expected 4000/);
  });

  test('over the inflated-byte cap, declared or not: WA_RESULT_TOO_LARGE', async () => {
    const path = join(await tempDir(), 'big.xlsx');
    const rows = Array.from({ length: 200 }, (_, i) => [`+4179828${String(i).padStart(4, '0')}`, 'yes']);
    await writeWorkbook(path, { sheet: sheetXml([['Number', 'whatsapp'], ...rows]) });
    expect((await failure(path, { maxUnzippedBytes: 5000 })).code).toBe(ErrorCodes.RESULT_TOO_LARGE);
  });

  test('more rows than the cap, empty rows included: WA_RESULT_TOO_LARGE', async () => {
    const path = join(await tempDir(), 'rows.xlsx');
    await writeBombWorkbook(path, bombPart(SHEET_PART, SHEET_HEAD, '<row/>', 5000, SHEET_TAIL));
    expect((await failure(path, { maxRows: 1000 })).code).toBe(ErrorCodes.RESULT_TOO_LARGE);
  });

  test('shared strings over their count or length cap: WA_RESULT_TOO_LARGE', async () => {
    const path = join(await tempDir(), 'sst.xlsx');
    const strings = bombPart(STRINGS_PART, '<sst>', '<si/>', 100_000, '</sst>');
    await writeBombWorkbook(path, plainPart(SHEET_PART, sheetXml([['Number', 'whatsapp']])), strings);
    expect((await failure(path, { maxSharedStrings: 10_000 })).code).toBe(ErrorCodes.RESULT_TOO_LARGE);
    const long = bombPart(STRINGS_PART, '<sst>', '<si><t>abcdefgh</t></si>', 10_000, '</sst>');
    await writeBombWorkbook(path, plainPart(SHEET_PART, sheetXml([['Number', 'whatsapp']])), long);
    expect((await failure(path, { maxSharedStringBytes: 50_000 })).code).toBe(ErrorCodes.RESULT_TOO_LARGE);
  });

  test.each([
    ['elements that are not rows in <sheetData>', `${SHEET_HEAD}${'<x/>'.repeat(1000)}${SHEET_TAIL}`, /holds a <x>/],
    ['a flood of elements outside the rows', SHEET_HEAD.replace('<sheetData>', '<x/>'.repeat(150_000)), /outside/],
    [
      'one endless cell text',
      `${SHEET_HEAD}<row><c t="inlineStr"><is><t>${'A'.repeat(300_000)}</t></is></c></row>`,
      /longer than/,
    ],
    ['an endless run of whitespace', `${SHEET_HEAD}<row>${' '.repeat(300_000)}</row>${SHEET_TAIL}`, /longer than/],
    ['a cell reference that is not A1-style', `${SHEET_HEAD}<row><c r="1A"><v>1</v></c></row>${SHEET_TAIL}`, /A1/],
    [
      'a shared string that does not exist',
      `${SHEET_HEAD}<row><c r="A1" t="s"><v>7</v></c></row>${SHEET_TAIL}`,
      /shared string 7/,
    ],
    ['malformed XML', `${SHEET_HEAD}<row><c></row>${SHEET_TAIL}`, /close tag/],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY a "aaaa">]>${SHEET_HEAD}${SHEET_TAIL}`, /DOCTYPE/],
    ['elements nested without end', SHEET_HEAD.replace('<sheetData>', '<a>'.repeat(100)), /deeper/],
  ])('%s: WA_RESULT_INVALID', async (_case, sheet, reason) => {
    const error = await failure(await workbook({ sheet }));
    expect(error.code).toBe(ErrorCodes.RESULT_INVALID);
    expect(error.message).toMatch(reason);
  });

  test('no file is left behind by a refused .zip', async () => {
    const dir = await tempDir();
    const inner = await buildZip(workbookEntries({ sheet: `${SHEET_HEAD}${'<x/>'.repeat(10)}${SHEET_TAIL}` }));
    await writeFile(join(dir, 'result.zip'), await buildZip([{ name: 'task.xlsx', data: inner }]));
    expect((await failure(join(dir, 'result.zip'))).code).toBe(ErrorCodes.RESULT_INVALID);
    expect(await readdir(dir)).toEqual(['result.zip']);
  });
});

describe('zip layer', () => {
  test('crc32() - the portable table agrees with zlib, in one go and in pieces', async () => {
    const data = await readFile(new URL(import.meta.url));
    expect(tableCrc32(data)).toBe(crc32(data));
    expect(tableCrc32(data.subarray(100), tableCrc32(data.subarray(0, 100)))).toBe(crc32(data));
  });
});
