import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ErrorCodes, WaError } from '../errors.js';
import { cellText } from '../spreadsheet/cell-text.js';
import { chooseColumns, type ColumnChoice, type ColumnRef } from './columns.js';
import { CsvParser, isMalformed, sniffDelimiter, type ParsedRow } from './csv-parser.js';

/** One data row of the input, before normalization. */
export interface InputRow {
  /** The phone cell's text as it was (empty when the row had none). */
  input: string;
  /** The row's region, from the country column. */
  country: string | undefined;
  /** Set when the row itself could not be read: why. */
  malformed: string | undefined;
}

/** A number with its region, as library users may pass them. */
export interface InputRecord {
  number: string;
  country?: string | undefined;
}

export type InputFormat = 'csv' | 'txt' | 'xlsx';

/**
 * What `checkNumbers` reads: a file path (CSV, TXT or XLSX, by extension and by sniffing),
 * a byte stream of one of those, or an (async) iterable of numbers or records.
 */
export type InputSource = string | Readable | AsyncIterable<string | InputRecord> | Iterable<string | InputRecord>;

export interface ReadInputOptions {
  /** The phone column: a header name or a position (the first column is 1). Detected otherwise. */
  column?: ColumnRef | undefined;
  /** The column with each row's region (ISO 3166 alpha-2). */
  countryColumn?: ColumnRef | undefined;
  /** Forces a format instead of detecting it. */
  format?: InputFormat | undefined;
}

const BATCH_ROWS = 4096;
const SAMPLE_ROWS = 100;
const SNIFF_BYTES = 64 * 1024;

/**
 * Reads any input as batches of rows, streaming: memory holds one batch and a small sample
 * used to find the columns, never the file.
 */
export async function* readInput(source: InputSource, options: ReadInputOptions = {}): AsyncGenerator<InputRow[]> {
  if (typeof source === 'string') {
    yield* readFile(source, options);
  } else if (source instanceof Readable && !source.readableObjectMode) {
    yield* readByteStream(source, options.format, options);
  } else {
    // An object stream or iterable may still carry bytes (Readable.from([buffer])): peek.
    const iterator = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as
      | AsyncIterator<unknown>
      | Iterator<unknown>;
    const first = await iterator.next();
    if (first.done) return;
    const all = (async function* () {
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })();
    if (first.value instanceof Uint8Array) yield* readByteStream(Readable.from(all), options.format, options);
    else yield* readValues(all as AsyncIterable<string | InputRecord>);
  }
}

async function* readFile(path: string, options: ReadInputOptions): AsyncGenerator<InputRow[]> {
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
  if (format === 'xlsx') {
    yield* readXlsx(path, options);
    return;
  }
  yield* readByteStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), format, options);
}

async function* readByteStream(
  stream: Readable,
  format: InputFormat | undefined,
  options: ReadInputOptions,
): AsyncGenerator<InputRow[]> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
  // Gather enough of the start to tell a workbook from text and to sniff the delimiter.
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
  const start = Buffer.concat(head);
  async function* all(): AsyncGenerator<Buffer> {
    yield start;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      yield toBuffer(next.value);
    }
  }
  const isWorkbook = start.length >= 4 && start.readUInt32LE(0) === 0x04034b50;
  if (format === 'xlsx' || (format === undefined && isWorkbook)) {
    yield* readXlsx(Readable.from(all()), options);
    return;
  }
  const decoder = new StringDecoder('utf8');
  const sampleText = decoder.write(start).replace(/^\uFEFF/, '');
  const delimiter = format === 'txt' ? undefined : sniffDelimiter(sampleText);
  const parser = new CsvParser({ delimiter });

  async function* rows(): AsyncGenerator<ParsedRow[]> {
    yield parser.push(sampleText, ended);
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      yield parser.push(decoder.write(toBuffer(next.value)), false);
    }
    yield parser.push(decoder.end(), true);
  }
  // Once the columns are known, only the phone and country fields are made.
  yield* tabular(rows(), options, (choice) =>
    parser.project(choice.country === undefined ? [choice.phone] : [choice.phone, choice.country]),
  );
}

async function* readXlsx(input: string | Readable, options: ReadInputOptions): AsyncGenerator<InputRow[]> {
  // Loaded on first use: exceljs takes ~120 ms to load, which every CSV read (and the input
  // worker's start) would otherwise pay.
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  async function* rows(): AsyncGenerator<ParsedRow[]> {
    try {
      for await (const sheet of reader) {
        let batch: ParsedRow[] = [];
        for await (const row of sheet) {
          const values = row.values as unknown[];
          const cells: string[] = [];
          for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
          if (cells.some((cell) => cell !== '')) batch.push(cells);
          if (batch.length >= BATCH_ROWS) {
            yield batch;
            batch = [];
          }
        }
        yield batch;
        break; // the first sheet only
      }
    } catch (cause) {
      if (cause instanceof WaError) throw cause;
      throw new WaError(ErrorCodes.INPUT_UNREADABLE, `The workbook cannot be read: ${(cause as Error).message}.`, {
        cause,
      });
    }
  }
  yield* tabular(rows(), options);
}

/** Finds the columns from a sample of the first rows, then maps every row to an InputRow. */
async function* tabular(
  batches: AsyncIterable<ParsedRow[]>,
  options: ReadInputOptions,
  chosen?: (choice: ColumnChoice) => void,
): AsyncGenerator<InputRow[]> {
  let choice: ColumnChoice | undefined;
  const pending: ParsedRow[] = [];
  let out: InputRow[] = [];
  const emit = (row: ParsedRow) => {
    if (isMalformed(row)) {
      out.push({ input: row.text, country: undefined, malformed: row.malformed });
      return;
    }
    const input = row[choice!.phone];
    if (input === undefined)
      out.push({ input: row.join(','), country: undefined, malformed: 'row has no phone column' });
    else
      out.push({
        input,
        country: choice!.country === undefined ? undefined : row[choice!.country],
        malformed: undefined,
      });
  };
  const decide = () => {
    const sample = pending.filter((row): row is string[] => !isMalformed(row));
    choice = chooseColumns(sample, options);
    chosen?.(choice);
    let skipHeader = choice.hasHeader;
    for (const row of pending) {
      if (skipHeader && !isMalformed(row)) {
        skipHeader = false;
        continue;
      }
      emit(row);
    }
    pending.length = 0;
  };
  for await (const batch of batches) {
    for (const row of batch) {
      if (choice) emit(row);
      else {
        pending.push(row);
        if (pending.length >= SAMPLE_ROWS) decide();
      }
      if (out.length >= BATCH_ROWS) {
        yield out;
        out = [];
      }
    }
  }
  if (!choice && pending.length > 0) decide();
  if (out.length > 0) yield out;
}

async function* readValues(
  values: AsyncIterable<string | InputRecord> | Iterable<string | InputRecord>,
): AsyncGenerator<InputRow[]> {
  let out: InputRow[] = [];
  for await (const value of values) {
    if (typeof value === 'string') out.push({ input: value, country: undefined, malformed: undefined });
    else if (value && typeof value === 'object' && typeof value.number === 'string') {
      out.push({ input: value.number, country: value.country, malformed: undefined });
    } else {
      out.push({ input: String(value), country: undefined, malformed: 'not a string or { number } record' });
    }
    if (out.length >= BATCH_ROWS) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk);
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
