import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';

/** What pass 1 learned of a row, kept on disk for pass 2 so memory never holds the input. */
export const RowKind = {
  /** A valid number; the payload is its digits. */
  NUMBER: 'n',
  /** Not a valid number; the payload is why. */
  INVALID: 'i',
} as const;

export type RowKindCode = (typeof RowKind)[keyof typeof RowKind];

/** A batch of spooled rows, in input order, as parallel columns (no object per row). */
export interface SpoolBatch {
  /** One RowKind character per row. */
  kinds: string;
  /** The number's digits (NUMBER) or the reason (INVALID), per row. */
  payloads: string[];
  inputs: string[];
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
export async function* readSpool(path: string): AsyncGenerator<SpoolBatch> {
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

function parseLines(text: string, end: number): SpoolBatch {
  let kinds = '';
  const payloads: string[] = [];
  const inputs: string[] = [];
  let at = 0;
  while (at < end) {
    const newline = text.indexOf('\n', at);
    const secondTab = text.indexOf('\t', at + 2);
    kinds += text[at];
    payloads.push(text.slice(at + 2, secondTab));
    inputs.push(unescapeInput(text.slice(secondTab + 1, newline)));
    at = newline + 1;
  }
  return { kinds, payloads, inputs };
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
