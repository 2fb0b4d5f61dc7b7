import { describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ErrorCodes } from '../src/errors.js';
import { readInput, type InputRow, type InputSource, type ReadInputOptions } from '../src/input/read-input.js';
import { useTempDirs } from './helpers/temp-dir.js';

// #14 item 2: inputs that never lose rows silently, and are refused when they are not text.
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

const LIST =
  'Name\tPhone\nAnna\t+41798284651\nBob\t+41798284652\nCléo\t+41798284653\nDan\t+41798284654\nEve\t+41798284655\n';

function utf16be(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf16le');
  for (let i = 0; i < bytes.length; i += 2) [bytes[i], bytes[i + 1]] = [bytes[i + 1]!, bytes[i]!];
  return bytes;
}

describe('readInput() - encodings', () => {
  test("UTF-16LE with a BOM (Excel's Unicode text), UTF-16BE, and UTF-16LE without one are decoded", async () => {
    const expected = ['+41798284651', '+41798284652', '+41798284653', '+41798284654', '+41798284655'];
    for (const bytes of [
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LIST, 'utf16le')]),
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(LIST)]),
      Buffer.from(LIST, 'utf16le'),
    ]) {
      const read = await rows(await file('unicode.txt', bytes), { format: 'csv' });
      expect(read.map((row) => row.input)).toEqual(expected);
      // Split at every odd byte, the middle of a character, as a stream may deliver it.
      const chunks = [];
      for (let at = 0; at < bytes.length; at += 7) chunks.push(bytes.subarray(at, at + 7));
      expect((await rows(Readable.from(chunks, { objectMode: false }))).map((row) => row.input)).toEqual(expected);
    }
  });
});

describe('readInput() - inputs that are not text are refused, saying what they look like', () => {
  test('a ZIP, a PDF, an old .xls, binary bytes: WA_INPUT_UNREADABLE', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('A').addRow(['+41798284651']);
    const zip = Buffer.from(await book.xlsx.writeBuffer());
    const cases: Array<[Buffer, RegExp]> = [
      [zip, /looks like a ZIP archive/],
      [Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\n'), /looks like a PDF document/],
      [Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]), /old Office file/],
      [Buffer.from([0x41, 0x42, 0x0a, 0x00, 0x01, 0x02, 0x03, 0x0a]), /binary data \(a zero byte at offset 3\)/],
    ];
    for (const [bytes, message] of cases) {
      const rejection = { code: ErrorCodes.INPUT_UNREADABLE, message: expect.stringMatching(message) };
      await expect(rows(await file('numbers.csv', bytes))).rejects.toMatchObject(rejection);
      await expect(rows(await file('numbers.txt', bytes))).rejects.toMatchObject(rejection);
    }
    // Without a text extension, a ZIP is read as the workbook it may be.
    expect((await rows(await file('numbers', zip))).map((row) => row.input)).toEqual(['+41798284651']);
  });
});

describe('readInput() - lines that never end', () => {
  test('a 20 MB line without a newline is one malformed row, and the rows after it are read', async () => {
    const path = await file('runaway.csv', `phone\n+41798284651\n${'9'.repeat(20 * 1024 * 1024)}\n+41798284652\n`);
    const read = await rows(path);
    expect(read.map((row) => row.malformed)).toEqual([undefined, 'row too long', undefined]);
    expect(read[2]!.input).toBe('+41798284652');
    expect(read[1]!.input.length).toBeLessThan(300);
  });
});
