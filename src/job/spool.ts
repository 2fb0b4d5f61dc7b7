import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';

/** What pass 1 learned of a row, kept on disk for pass 2 so memory never holds the input. */
export const RowKind = {
  /** A valid number, first seen on this row. */
  FIRST: 'n',
  /** A valid number seen on an earlier row. */
  DUPLICATE: 'd',
  /** Not a valid number; the payload is why. */
  INVALID: 'i',
} as const;

export type RowKindCode = (typeof RowKind)[keyof typeof RowKind];

export interface SpooledRow {
  kind: RowKindCode;
  /** The number's digits (FIRST, DUPLICATE) or the reason (INVALID). */
  payload: string;
  input: string;
}

/**
 * Appends rows to the spool file: `kind \t payload \t input \n`, with the input escaped so a
 * quoted CSV field with tabs or newlines stays on one line.
 */
export class SpoolWriter {
  readonly #stream: WriteStream;
  #buffer: string[] = [];

  constructor(path: string) {
    this.#stream = createWriteStream(path);
  }

  add(kind: RowKindCode, payload: string, input: string): void {
    this.#buffer.push(`${kind}\t${payload}\t${escapeInput(input)}\n`);
  }

  /** Writes the buffered rows, waiting when the disk is behind. */
  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const text = this.#buffer.join('');
    this.#buffer = [];
    if (!this.#stream.write(text)) await once(this.#stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject);
      this.#stream.end(() => resolve());
    });
  }
}

/** Reads the spool back in batches of rows, in input order. */
export async function* readSpool(path: string): AsyncGenerator<SpooledRow[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const last = text.lastIndexOf('\n');
    rest = text.slice(last + 1);
    if (last >= 0) yield parseLines(text, last);
  }
  if (rest.length > 0) yield parseLines(`${rest}\n`, rest.length);
}

function parseLines(text: string, end: number): SpooledRow[] {
  const rows: SpooledRow[] = [];
  let at = 0;
  while (at < end) {
    const newline = text.indexOf('\n', at);
    const firstTab = text.indexOf('\t', at + 1);
    const secondTab = text.indexOf('\t', firstTab + 1);
    rows.push({
      kind: text[at] as RowKindCode,
      payload: text.slice(firstTab + 1, secondTab),
      input: unescapeInput(text.slice(secondTab + 1, newline)),
    });
    at = newline + 1;
  }
  return rows;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

function escapeInput(input: string): string {
  if (!NEEDS_ESCAPE.test(input)) return input;
  return input.replace(/[\\\t\n\r]/g, (char) => (char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : '\\r'));
}

function unescapeInput(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(.)/g, (_, char: string) => (char === 't' ? '\t' : char === 'n' ? '\n' : char === 'r' ? '\r' : char));
}
