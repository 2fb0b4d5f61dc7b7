import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { ErrorCodes, WaError } from '../errors.js';
import type { ColumnRef } from './columns.js';
import { CountryNames } from './country-names.js';
import { isZip } from './input-bytes.js';
import {
  BATCH_ROWS,
  type InputBatch,
  type InputRow,
  rowsOfSpans,
  type TabularOptions,
  withCountry,
} from './tabular.js';
import { readText } from './text-input.js';
import { encodeRecord, sourceColumnNames } from './source-record.js';
import { readXlsx } from './xlsx-input.js';

export type { ColumnChosen, ColumnsChosen, InputBatch, InputRow, SpanBatch } from './tabular.js';

/** A number with its region, as library users may pass them. */
export interface InputRecord {
  number: string;
  /** ISO 3166 alpha-2 or alpha-3, or an English country name. */
  country?: string | undefined;
  /** Any other field (a name, a CRM id) comes back on the record's result, as `fields`. */
  [field: string]: unknown;
}

export type InputFormat = 'csv' | 'txt' | 'xlsx';

/**
 * What `checkNumbers` reads: a file path (CSV, TXT or XLSX, by extension and by sniffing),
 * a byte stream of one of those, or an (async) iterable of numbers or records.
 */
export type InputSource = string | Readable | AsyncIterable<string | InputRecord> | Iterable<string | InputRecord>;

export interface ReadInputOptions extends TabularOptions {
  /** The phone column: a header name or a position (the first column is 1). Detected otherwise. */
  column?: ColumnRef | undefined;
  /**
   * The column with each row's region: ISO 3166 alpha-2 (`CH`), alpha-3 (`CHE`) or an English
   * name (`Switzerland`), any case. Detected by its header otherwise. A cell that names no
   * country we know makes its row `unknown_country`.
   */
  countryColumn?: ColumnRef | undefined;
  /** Forces a format instead of detecting it. */
  format?: InputFormat | undefined;
}

/** Bytes read before deciding what an input is: its encoding, whether it is text, its delimiter. */
const SNIFF_BYTES = 64 * 1024;
/**
 * Bytes parsed at once after the head: a piece's rows are made together and are alive at the
 * input worker's next scavenge. Warm 2M CRM rows, whole command, alternated runs: 1 MB pieces
 * 3.24 s, 256 KB 2.90-3.09 s, 64 KB reads 2.90-2.98 s (mixed 1M rows: 1.82 -> 1.65 s); 1 MB reads
 * cut into 64 KB pieces 2.69-2.78 s against 2.83-2.86 s for 64 KB reads (fewer reads).
 */
const PARSE_BYTES = 64 * 1024;

/**
 * Reads any input as batches of rows, streaming: memory holds one batch and a small sample
 * used to find the columns, never the file. Every data row of the input is one InputRow, in
 * order, blank ones included: the n-th row read is the n-th data row a person sees in the file
 * (TXT: the line; CSV: the record after the header; XLSX: the sheet row after the header).
 *
 * The source is closed however the reading ends (the last row, an error, or a consumer that
 * stops early): a path's file, a Readable (destroyed), an iterator (its `return()` is called, so
 * a generator runs its `finally`).
 */
export async function* readInput(source: InputSource, options: ReadInputOptions = {}): AsyncGenerator<InputRow[]> {
  const countries = new CountryNames();
  for await (const batch of readInputBatches(source, options)) {
    yield Array.isArray(batch) ? batch : rowsOfSpans(batch, countries);
  }
}

/** readInput(), with a file's rows as positions (SpanBatch) where `rowSpans` asks for them: the input worker's reader. */
export async function* readInputBatches(
  source: InputSource,
  options: ReadInputOptions = {},
): AsyncGenerator<InputBatch> {
  if (typeof source === 'string') {
    yield* readFile(source, options);
  } else if (source instanceof Readable && !source.readableObjectMode) {
    yield* readByteStream(source, options.format, options);
  } else {
    yield* readIterable(source, options);
  }
}

async function* readFile(path: string, options: ReadInputOptions): AsyncGenerator<InputBatch> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
  } catch (cause) {
    throw new WaError(
      ErrorCodes.INPUT_UNREADABLE,
      `The input file ${path} cannot be read: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}.`,
      { cause },
    );
  }
  const extension = extname(path).toLowerCase();
  const format =
    options.format ??
    (extension === '.xlsx'
      ? 'xlsx'
      : extension === '.txt'
        ? 'txt'
        : extension === '.csv' || extension === '.tsv'
          ? 'csv'
          : undefined);
  // Read 1 MB at a time (few trips through the thread pool), parsed PARSE_BYTES at a time.
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  try {
    yield* readByteStream(stream, format, options);
  } finally {
    // Closed before the consumer's `break` returns: a caller may delete or rewrite the file next.
    if (!stream.closed) {
      const closed = once(stream, 'close');
      stream.destroy();
      await closed;
    }
  }
}

/** A byte stream, which this reader owns from now on: it is destroyed when reading ends. */
async function* readByteStream(
  stream: Readable,
  format: InputFormat | undefined,
  options: ReadInputOptions,
): AsyncGenerator<InputBatch> {
  let rest: Readable | undefined;
  try {
    if (format === 'xlsx') {
      yield* readXlsx(stream, options);
      return;
    }
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
    // Gather enough of the start to tell a workbook from text, and text from binary.
    const head: Buffer[] = [];
    let headLength = 0;
    let ended = false;
    while (headLength < SNIFF_BYTES) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = toBuffer(next.value);
      head.push(chunk);
      headLength += chunk.length;
    }
    // The head is what was sniffed; the rest of its read goes in pieces, as the reads that follow
    // (parsed whole, a 1 MB first read would be read row by row before the columns are chosen).
    const gathered = Buffer.concat(head);
    const start = gathered.subarray(0, SNIFF_BYTES);
    const following = ended
      ? undefined
      : (async function* () {
          for (let at = SNIFF_BYTES; at < gathered.length; at += PARSE_BYTES)
            yield gathered.subarray(at, at + PARSE_BYTES);
          for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
            const chunk = toBuffer(next.value);
            for (let at = 0; at < chunk.length; at += PARSE_BYTES) yield chunk.subarray(at, at + PARSE_BYTES);
          }
        })();
    if (format === undefined && isZip(start)) {
      rest = Readable.from(following ? prepend(start, following) : [start]);
      yield* readXlsx(rest, options);
      return;
    }
    yield* readText(start, following, format, options);
  } finally {
    rest?.destroy();
    stream.destroy();
  }
}

async function* prepend(first: Buffer, following: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  yield* following;
}

/** Iterables and object streams; one that yields bytes (Readable.from([buffer])) is read as a file. */
async function* readIterable(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  options: ReadInputOptions,
): AsyncGenerator<InputBatch> {
  const iterator = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as
    | AsyncIterator<unknown>
    | Iterator<unknown>;
  let finished = false;
  try {
    const first = await iterator.next();
    if (first.done) {
      finished = true;
      return;
    }
    const all = (async function* () {
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      finished = true;
    })();
    if (first.value instanceof Uint8Array) yield* readByteStream(Readable.from(all), options.format, options);
    else yield* readValues(all, options);
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/**
 * Strings and records. With `carryColumns`, a record's fields are carried: the fields of the
 * first record, in its order, are the columns (a later record's other fields are not).
 */
async function* readValues(values: AsyncIterable<unknown>, options: ReadInputOptions): AsyncGenerator<InputRow[]> {
  const countries = new CountryNames();
  let out: InputRow[] = [];
  let fields: string[] | undefined;
  for await (const value of values) {
    if (fields === undefined) {
      fields = options.carryColumns && isRecord(value) ? Object.keys(value) : [];
      // A record of its number alone has nothing more to carry, as a one-column file.
      if (fields.length <= 1) fields = [];
      else options.onSourceColumns?.(sourceColumnNames(fields, fields.length));
    }
    if (typeof value === 'string') out.push(withCountry(value, undefined, countries));
    else if (isRecord(value)) {
      const country = typeof value.country === 'string' ? value.country : undefined;
      const source = fields.length > 0 ? encodeRecord(fields.map((field) => fieldText(value, field))) : undefined;
      out.push(withCountry(value.number, country, countries, source));
    } else {
      out.push({
        input: String(value),
        country: undefined,
        malformed: 'not a string or { number } record',
        unknownCountry: undefined,
      });
    }
    if (out.length >= BATCH_ROWS) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** A record's field as text: strings as they are, other values as JSON, nothing as empty. */
function fieldText(record: InputRecord, field: string): string {
  const value = record[field];
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function isRecord(value: unknown): value is InputRecord {
  return typeof value === 'object' && value !== null && typeof (value as InputRecord).number === 'string';
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk);
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
