import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { NO_NUMBER } from './answer-state.js';

/**
 * Rows pass 1 could not answer, kept on disk for pass 2 so memory never holds the input. Two
 * files in step: `<path>.keys`, one float64 per row, and `<path>.text`, one line per row (its
 * input, escaped so a quoted CSV field with tabs or newlines stays on one line). The keys alone
 * are read back quickly, in input order, to plan the tasks.
 *
 * In the keys file only, a row without a number is stored as minus its reason code (an index
 * into INVALID_REASONS), so that one float64 says both; what is read back uses the job's one
 * encoding: key NO_NUMBER, and the reason code beside it.
 */
export class SpoolWriter {
  readonly #keys: WriteStream;
  readonly #text: WriteStream;
  #keyBuffer = new Float64Array(FLUSH_ROWS);
  #rows = 0;
  #lines: string[] = [];

  constructor(path: string) {
    this.#keys = createWriteStream(`${path}.keys`);
    this.#text = createWriteStream(`${path}.text`);
  }

  /** A row with a number; `source`, the row's cells as one record when the job carries them. */
  addNumber(key: number, input: string, source?: string): void {
    this.#add(key, input, source);
  }

  /** A row without a number; `reasonCode` indexes INVALID_REASONS. */
  addInvalid(reasonCode: number, input: string, source?: string): void {
    this.#add(-reasonCode, input, source);
  }

  #add(value: number, input: string, source: string | undefined): void {
    if (this.#rows === this.#keyBuffer.length) {
      const grown = new Float64Array(this.#rows * 2);
      grown.set(this.#keyBuffer);
      this.#keyBuffer = grown;
    }
    this.#keyBuffer[this.#rows++] = value;
    // Escaped, neither text holds a tab: the first one parts them.
    this.#lines.push(source === undefined ? escapeInput(input) : `${escapeInput(input)}\t${escapeInput(source)}`);
  }

  /** Writes the buffered rows, waiting when the disk is behind. */
  async flush(): Promise<void> {
    if (this.#rows === 0) return;
    const keys = Buffer.from(this.#keyBuffer.buffer, 0, this.#rows * 8);
    const text = `${this.#lines.join('\n')}\n`;
    this.#keyBuffer = new Float64Array(FLUSH_ROWS);
    this.#rows = 0;
    this.#lines = [];
    const keysWritten = this.#keys.write(keys);
    if (!this.#text.write(text)) await once(this.#text, 'drain');
    if (!keysWritten && this.#keys.writableNeedDrain) await once(this.#keys, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all(
      [this.#keys, this.#text].map(
        (stream) =>
          new Promise<void>((resolve, reject) => {
            stream.once('error', reject);
            stream.end(() => resolve());
          }),
      ),
    );
  }
}

const FLUSH_ROWS = 4096;

/** A batch of spooled rows, in input order, as parallel columns (no object per row). */
export interface SpoolBatch {
  /** The number's key, or NO_NUMBER for a row without one. */
  keys: Float64Array;
  /** Why a row has no number (an index into INVALID_REASONS); 0 for a row that has one. */
  reasons: Uint8Array;
  inputs: string[];
  /** Each row's source record, when the rows were spooled with them. */
  sources?: string[] | undefined;
}

/** Splits stored values into keys and reason codes, in place for the keys (see SpoolWriter). */
function decodeInvalid(keys: Float64Array): Uint8Array {
  const reasons = new Uint8Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const value = keys[i]!;
    if (value < 0) {
      reasons[i] = -value;
      keys[i] = NO_NUMBER;
    }
  }
  return reasons;
}

/** Reads the spool back in batches of rows, in input order. */
export async function* readSpool(path: string): AsyncGenerator<SpoolBatch> {
  const keys = await open(`${path}.keys`, 'r');
  try {
    let position = 0;
    const readKeys = async (count: number): Promise<Float64Array> => {
      const batch = new Float64Array(count);
      const bytes = new Uint8Array(batch.buffer);
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await keys.read(bytes, filled, bytes.length - filled, position + filled);
        if (bytesRead === 0) throw new Error('the spool is shorter than its text (was it changed while the job ran?)');
        filled += bytesRead;
      }
      position += bytes.length;
      return batch;
    };
    for await (const lines of readLines(`${path}.text`)) {
      const batch = await readKeys(lines.length);
      yield { keys: batch, reasons: decodeInvalid(batch), ...splitLines(lines) };
    }
  } finally {
    await keys.close();
  }
}

/** The spool's keys alone (NO_NUMBER for a row without a number), in input order, a chunk at a time. */
export async function* readSpoolKeys(path: string): AsyncGenerator<Float64Array> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(`${path}.keys`, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const whole = bytes.length - (bytes.length % 8);
    carry = bytes.subarray(whole);
    // Copied, so the float64s are aligned whatever the chunk's offset.
    if (whole > 0) {
      const keys = new Float64Array(new Uint8Array(bytes.subarray(0, whole)).buffer);
      decodeInvalid(keys);
      yield keys;
    }
  }
}

async function* readLines(path: string): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const last = text.lastIndexOf('\n');
    rest = text.slice(last + 1);
    if (last >= 0) yield text.slice(0, last).split('\n');
  }
  if (rest.length > 0) yield [rest];
}

/** Spooled lines as inputs, and source records where the rows have them. */
function splitLines(lines: string[]): { inputs: string[]; sources: string[] | undefined } {
  const inputs = new Array<string>(lines.length);
  let sources: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const tab = line.indexOf('\t');
    if (tab === -1) {
      inputs[i] = unescapeInput(line);
      if (sources) sources[i] = '';
      continue;
    }
    sources ??= new Array<string>(lines.length).fill('', 0, i);
    inputs[i] = unescapeInput(line.slice(0, tab));
    sources[i] = unescapeInput(line.slice(tab + 1));
  }
  return { inputs, sources };
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

function escapeInput(input: string): string {
  if (!NEEDS_ESCAPE.test(input)) return input;
  return input.replace(/[\\\t\n\r]/g, (char) =>
    char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : '\\r',
  );
}

function unescapeInput(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(.)/g, (_, char: string) =>
    char === 't' ? '\t' : char === 'n' ? '\n' : char === 'r' ? '\r' : char,
  );
}
