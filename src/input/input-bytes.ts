import { StringDecoder } from 'node:string_decoder';

/** How the text of an input is encoded, from its first bytes. */
export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

/** Turns chunks of bytes into text, characters split across chunks included. */
export interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

/**
 * The encoding of text that starts with `head`: a byte-order mark says it (Excel's "Unicode
 * text" is UTF-16LE with one); without one, ASCII text in UTF-16 shows as a zero byte in every
 * other position. Anything else is read as UTF-8.
 */
export function sniffEncoding(head: Buffer): { encoding: TextEncoding; bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', bomLength: 2 };
  const pairs = Math.min(head.length >> 1, 4096);
  if (pairs >= 2) {
    let evenZeros = 0;
    let oddZeros = 0;
    for (let i = 0; i < pairs; i++) {
      if (head[2 * i] === 0) evenZeros++;
      if (head[2 * i + 1] === 0) oddZeros++;
    }
    if (oddZeros >= pairs * 0.9 && evenZeros === 0) return { encoding: 'utf16le', bomLength: 0 };
    if (evenZeros >= pairs * 0.9 && oddZeros === 0) return { encoding: 'utf16be', bomLength: 0 };
  }
  return { encoding: 'utf8', bomLength: 0 };
}

export function chunkDecoder(encoding: TextEncoding): ChunkDecoder {
  // StringDecoder for UTF-8, the hot path; TextDecoder knows UTF-16BE, which StringDecoder does not.
  if (encoding === 'utf8') return new StringDecoder('utf8');
  const decoder = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be', { ignoreBOM: true });
  return {
    write: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode(),
  };
}

/** File signatures of what people rename to .csv or .txt by mistake, and what to call them. */
const SIGNATURES: ReadonlyArray<readonly [bytes: readonly number[], what: string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (an .xlsx workbook is one: name it .xlsx or pass the format xlsx)'],
  [[0x50, 0x4b, 0x05, 0x06], 'an empty ZIP archive'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF document'],
  [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'an old Office file (.xls or .doc): save it as .xlsx or .csv'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x42, 0x5a, 0x68], 'a bzip2 archive'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'an xz archive'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7-Zip archive'],
  [[0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], 'a RAR archive'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], 'an SQLite database'],
  [[0x50, 0x41, 0x52, 0x31], 'a Parquet file'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable (ELF)'],
];

/** The first bytes of an xlsx workbook: a ZIP archive. */
export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
}

/**
 * What `head` (the first block of an input) looks like when it is not text, or undefined when it
 * may be text: known file signatures first, then zero bytes, which text in UTF-8 never holds.
 * Call it after sniffEncoding: UTF-16 text holds zero bytes too.
 */
export function describeBinary(head: Buffer): string | undefined {
  for (const [bytes, what] of SIGNATURES) {
    if (head.length >= bytes.length && bytes.every((byte, i) => head[i] === byte)) return what;
  }
  const zero = head.indexOf(0);
  return zero === -1 ? undefined : `binary data (a zero byte at offset ${zero})`;
}
