import { describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ErrorCodes } from '../src/errors.js';
import {
  type BombPart,
  bombPart,
  plainPart,
  SHEET_HEAD,
  SHEET_PART,
  SHEET_TAIL,
  STRINGS_PART,
  sheetXml,
  writeBombWorkbook,
} from './helpers/result-files.js';
import { useTempDirs } from './helpers/temp-dir.js';

// The result-file bombs of issue #14, at full size, each read by the built reader in a child
// process with the client's default caps (2 GiB inflated, 20M rows): each must end in a typed
// error, with a peak RSS under 300 MB and no file left behind. Run `npm run build` first.

const CHILD = fileURLToPath(new URL('./helpers/read-result-child.js', import.meta.url));
const PEAK_RSS_MB = 300;
const GB = 1024 * 1024 * 1024;
const tempDir = useTempDirs();

interface ChildResult {
  code: string;
  message: string;
  records: number;
  seconds: number;
  peakRssMb: number;
}

async function readInChild(sheet: BombPart, sharedStrings?: BombPart): Promise<ChildResult & { fileMb: number }> {
  const dir = await tempDir();
  const work = join(dir, 'work');
  await import('node:fs/promises').then((fs) => fs.mkdir(work));
  const path = join(dir, 'result.xlsx');
  await writeBombWorkbook(path, sheet, sharedStrings);
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, path, work], { maxBuffer: 1024 * 1024 });
  expect(await readdir(work)).toEqual([]);
  const result = JSON.parse(stdout) as ChildResult;
  const fileMb = Number(((await stat(path)).size / 1024 / 1024).toFixed(1));
  console.log(JSON.stringify({ ...result, fileMb }));
  return { ...result, fileMb };
}

const header = sheetXml([['Number', 'whatsapp']]);
const headerRow = '<row><c t="inlineStr"><is><t>Number</t></is></c><c t="inlineStr"><is><t>whatsapp</t></is></c></row>';
const giantCell = (bytes: number) =>
  bombPart(
    SHEET_PART,
    `${SHEET_HEAD}${headerRow}<row><c t="inlineStr"><is><t>`,
    'A',
    bytes,
    `</t></is></c></row>${SHEET_TAIL}`,
  );

describe('result-file bombs, read with the default caps', () => {
  test.each<[string, () => [BombPart, BombPart?], string]>([
    [
      '125M empty <si/> in sharedStrings.xml (625 MB, honest sizes)',
      () => [plainPart(SHEET_PART, header), bombPart(STRINGS_PART, '<sst>', '<si/>', 125_000_000, '</sst>')],
      ErrorCodes.RESULT_TOO_LARGE,
    ],
    [
      'a sheet inflating to 3 GB whose headers claim 4,000 bytes',
      () => [{ ...giantCell(3 * GB), declaredSize: 4000 }],
      ErrorCodes.RESULT_INVALID,
    ],
    ['one 1.9 GB cell, honest sizes under the cap', () => [giantCell(Math.floor(1.9 * GB))], ErrorCodes.RESULT_INVALID],
    [
      '3 GB of whitespace, no shared strings (honest sizes)',
      () => [bombPart(SHEET_PART, `${SHEET_HEAD}${headerRow}`, ' ', 3 * GB, SHEET_TAIL)],
      ErrorCodes.RESULT_TOO_LARGE,
    ],
    [
      '1.9 GB of whitespace between rows (under the cap)',
      () => [bombPart(SHEET_PART, `${SHEET_HEAD}${headerRow}`, ' ', Math.floor(1.9 * GB), SHEET_TAIL)],
      ErrorCodes.RESULT_INVALID,
    ],
    [
      '1 GB of <x/> in the rows',
      () => [bombPart(SHEET_PART, `${SHEET_HEAD}${headerRow}`, '<x/>', GB / 4, SHEET_TAIL)],
      ErrorCodes.RESULT_INVALID,
    ],
    [
      '1 GB of <x/> before the rows',
      () => [bombPart(SHEET_PART, SHEET_HEAD.replace('<sheetData>', ''), '<x/>', GB / 4, `<sheetData>${SHEET_TAIL}`)],
      ErrorCodes.RESULT_INVALID,
    ],
    [
      '25M empty rows',
      () => [bombPart(SHEET_PART, `${SHEET_HEAD}${headerRow}`, '<row/>', 25_000_000, SHEET_TAIL)],
      ErrorCodes.RESULT_TOO_LARGE,
    ],
  ])('%s: a typed error in bounded memory', async (_name, build, code) => {
    const [sheet, strings] = build();
    const result = await readInChild(sheet, strings);
    expect(result.code).toBe(code);
    expect(result.peakRssMb).toBeLessThan(PEAK_RSS_MB);
    expect(result.fileMb).toBeLessThan(8);
  });

  test('an honest 1M-row result with shared strings is read whole, in bounded memory', async () => {
    const rows: string[] = [];
    const strings: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      strings.push(`<si><t>+4179${String(i).padStart(7, '0')}</t></si>`);
      rows.push(
        `<row r="${i + 2}"><c r="A${i + 2}" t="s"><v>${i + 2}</v></c><c r="B${i + 2}" t="s"><v>${i % 2}</v></c></row>`,
      );
    }
    const sheet = plainPart(
      SHEET_PART,
      `${SHEET_HEAD}${headerRow.replace(/<c t/g, '<c t')}${rows.join('')}${SHEET_TAIL}`,
    );
    const table = plainPart(STRINGS_PART, `<sst><si><t>yes</t></si><si><t>no</t></si>${strings.join('')}</sst>`);
    const result = await readInChild(sheet, table);
    expect(result.code).toBe('ok');
    expect(result.records).toBe(1_000_000);
    expect(result.peakRssMb).toBeLessThan(PEAK_RSS_MB);
  });
});
