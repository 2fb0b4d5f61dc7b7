import { writeFile } from 'node:fs/promises';
import { constants, deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/zip/crc32.js';
import { buildZip } from '../../src/zip/zip-writer.js';

// Result workbooks written part by part, so that tests control every byte the reader sees, and
// zip bombs: small on disk, huge once inflated, some with headers that lie (which yazl,
// rightly, cannot write; hence the small hand-written container below).

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export interface WorkbookParts {
  /** The first sheet's XML. */
  sheet: string;
  sharedStrings?: string;
  /** Where the first sheet lives (to check the reader follows the relationships). */
  sheetPath?: string;
}

export function workbookEntries(parts: WorkbookParts): { name: string; data: Buffer }[] {
  const sheetPath = parts.sheetPath ?? 'worksheets/sheet1.xml';
  const relations = [
    `<Relationship Id="rId7" Type="${REL}/worksheet" Target="${sheetPath}"/>`,
    `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/decoy.xml"/>`,
    parts.sharedStrings ? `<Relationship Id="rId9" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` : '',
  ].join('');
  const entries = [
    { name: '[Content_Types].xml', data: `${XML}<Types xmlns="x"/>` },
    {
      name: '_rels/.rels',
      data: `${XML}<Relationships xmlns="p"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="Results" sheetId="1" r:id="rId7"/><sheet name="Other" sheetId="2" r:id="rId1"/></sheets></workbook>`,
    },
    { name: 'xl/_rels/workbook.xml.rels', data: `${XML}<Relationships xmlns="p">${relations}</Relationships>` },
    { name: `xl/${sheetPath}`, data: parts.sheet },
    {
      name: 'xl/worksheets/decoy.xml',
      data: sheetXml([
        ['Number', 'whatsapp'],
        ['+15550000000', 'yes'],
      ]),
    },
  ];
  if (parts.sharedStrings) entries.push({ name: 'xl/sharedStrings.xml', data: parts.sharedStrings });
  return entries.map((entry) => ({ name: entry.name, data: Buffer.from(entry.data) }));
}

export async function writeWorkbook(path: string, parts: WorkbookParts): Promise<void> {
  await writeFile(path, await buildZip(workbookEntries(parts)));
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A sheet of inline-string cells with A1 references; `references: false` leaves them out. */
export function sheetXml(rows: readonly (readonly string[])[], options: { references?: boolean } = {}): string {
  const body = rows
    .map((cells, r) => {
      const row = cells
        .map((text, c) => {
          const ref = options.references === false ? '' : ` r="${String.fromCharCode(65 + c)}${r + 1}"`;
          return `<c${ref} t="inlineStr"><is><t>${escapeXml(text)}</t></is></c>`;
        })
        .join('');
      return `<row${options.references === false ? '' : ` r="${r + 1}"`}>${row}</row>`;
    })
    .join('');
  return `${XML}<worksheet xmlns="${MAIN}"><sheetData>${body}</sheetData></worksheet>`;
}

/** A sheet whose cells point into a shared-string table, and the table. */
export function sharedStringSheet(rows: readonly (readonly string[])[]): WorkbookParts {
  const strings: string[] = [];
  const body = rows
    .map(
      (cells, r) =>
        `<row r="${r + 1}">${cells
          .map((text, c) => {
            strings.push(text);
            return `<c r="${String.fromCharCode(65 + c)}${r + 1}" t="s"><v>${strings.length - 1}</v></c>`;
          })
          .join('')}</row>`,
    )
    .join('');
  return {
    sheet: `${XML}<worksheet xmlns="${MAIN}"><sheetData>${body}</sheetData></worksheet>`,
    sharedStrings: `${XML}<sst xmlns="${MAIN}" count="${strings.length}">${strings.map((s) => `<si><t>${escapeXml(s)}</t></si>`).join('')}</sst>`,
  };
}

/**
 * A deflated part made of `prefix`, `unit` repeated `times` and `suffix`, built without ever
 * holding the inflated bytes: each piece comes from a fresh deflater, flushed to a byte
 * boundary, and identical pieces are simply repeated.
 */
export interface BombPart {
  name: string;
  deflated: Buffer[];
  size: number;
  crc: number;
  /** Written in the headers instead of `size`, to lie. */
  declaredSize?: number;
}

export function bombPart(name: string, prefix: string, unit: string, times: number, suffix: string): BombPart {
  const perBlock = Math.max(1, Math.floor((1024 * 1024) / unit.length));
  const block = Buffer.from(unit.repeat(Math.min(perBlock, times)));
  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const deflated: Buffer[] = [deflateRawSync(Buffer.from(prefix), sync)];
  let crc = crc32(Buffer.from(prefix));
  let left = times;
  const full = deflateRawSync(block, sync);
  while (left >= perBlock) {
    deflated.push(full);
    crc = crc32(block, crc);
    left -= perBlock;
  }
  const tail = Buffer.from(unit.repeat(left) + suffix);
  deflated.push(deflateRawSync(tail));
  crc = crc32(tail, crc);
  const size = Buffer.byteLength(prefix) + Buffer.byteLength(unit) * times + Buffer.byteLength(suffix);
  return { name, deflated, size, crc };
}

export function plainPart(name: string, data: string | Buffer): BombPart {
  const bytes = Buffer.from(data);
  return { name, deflated: [deflateRawSync(bytes)], size: bytes.length, crc: crc32(bytes) };
}

/** A zip of already-deflated parts, with whatever sizes they declare (no Zip64: parts < 4 GiB). */
export async function writeRawZip(path: string, parts: readonly BombPart[]): Promise<void> {
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name);
    const compressedSize = part.deflated.reduce((sum, piece) => sum + piece.length, 0);
    const size = part.declaredSize ?? part.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(part.crc, 14);
    local.writeUInt32LE(compressedSize, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    out.push(local, name, ...part.deflated);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(part.crc, 16);
    header.writeUInt32LE(compressedSize, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    offset += 30 + name.length + compressedSize;
  }
  const centralSize = central.reduce((sum, piece) => sum + piece.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(path, Buffer.concat([...out, ...central, end]));
}

/** A workbook whose first sheet (and shared strings, if given) are bomb parts. */
export async function writeBombWorkbook(path: string, sheet: BombPart, sharedStrings?: BombPart): Promise<void> {
  const base = workbookEntries({ sheet: '', sharedStrings: sharedStrings ? ' ' : undefined }).filter(
    (entry) => entry.name !== sheet.name && entry.name !== sharedStrings?.name,
  );
  await writeRawZip(path, [
    ...base.map((entry) => plainPart(entry.name, entry.data)),
    sheet,
    ...(sharedStrings ? [sharedStrings] : []),
  ]);
}

export const SHEET_PART = 'xl/worksheets/sheet1.xml';
export const STRINGS_PART = 'xl/sharedStrings.xml';
export const SHEET_HEAD = `${XML}<worksheet xmlns="${MAIN}"><sheetData>`;
export const SHEET_TAIL = '</sheetData></worksheet>';
