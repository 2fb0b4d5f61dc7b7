import { createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { ErrorCodes, WaError } from '../errors.js';
import type { CheckResult } from '../job/result-block.js';
import { ResultBlock, toResults } from '../job/result-block.js';
import { AtomicFile } from './atomic-file.js';
import { outputColumnsOf, outputHeader, resultCells, sourceCells } from './columns.js';
import { csvBytes, csvHeader, csvLine } from './csv-format.js';
import { jsonLine } from './jsonl-format.js';
import { StreamSink } from './stream-sink.js';
import { WriteBehind } from './write-behind.js';

export type OutputFormat = 'csv' | 'jsonl' | 'xlsx';

/** The format an output path asks for by its extension, if any. */
export function formatOfPath(path: string): OutputFormat | undefined {
  const match = /\.(csv|jsonl|ndjson|xlsx)$/i.exec(path);
  if (!match) return undefined;
  const extension = match[1]!.toLowerCase();
  return extension === 'ndjson' ? 'jsonl' : (extension as OutputFormat);
}

/** One item of a result source: a result, a batch of results, or a column block. */
export type ResultItem = CheckResult | readonly CheckResult[] | ResultBlock;

/**
 * What writeResults takes: a job (read through its `blocks()`, the fast form), or any iterable or
 * async iterable of results, batches of results or blocks.
 */
export type ResultSource = { blocks(): AsyncIterable<ResultBlock> } | AsyncIterable<ResultItem> | Iterable<ResultItem>;

export interface WriteResultsOptions {
  /**
   * CSV only: text cells a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
   * get a leading `'`. XLSX cells are typed text and JSONL is for programs: both keep values as read.
   * @default true
   */
  formulaGuard?: boolean | undefined;
}

/**
 * Writes results to a file or stream as they come, in bounded memory, and returns the number of
 * rows written. A file is written beside its target and moved over it only when complete: an
 * error leaves no half file, and an existing file as it was. The format follows the path's
 * extension (`.csv`, `.jsonl`/`.ndjson`, `.xlsx`) unless given; a stream gets CSV by default.
 *
 * @example
 * const job = checkNumbers('contacts.csv', options);
 * await writeResults(job, 'results.csv');
 * await writeResults(someResults, 'jsonl', process.stdout);
 */
export function writeResults(source: ResultSource, target: string, options?: WriteResultsOptions): Promise<number>;
export function writeResults(
  source: ResultSource,
  format: OutputFormat | undefined,
  target: string | Writable,
  options?: WriteResultsOptions,
): Promise<number>;
export async function writeResults(
  source: ResultSource,
  formatOrTarget: OutputFormat | string | undefined,
  targetOrOptions?: string | Writable | WriteResultsOptions,
  maybeOptions?: WriteResultsOptions,
): Promise<number> {
  const targetGiven = typeof targetOrOptions === 'string' || isWritable(targetOrOptions);
  const target = (targetGiven ? targetOrOptions : formatOrTarget) as string | Writable;
  const options = (targetGiven ? maybeOptions : targetOrOptions) as WriteResultsOptions | undefined;
  const format = resolveFormat(targetGiven ? (formatOrTarget as OutputFormat | undefined) : undefined, target);
  const batches = batchesOf(source);
  if (typeof target !== 'string') return writeToStream(batches, format, target, options);
  const file = new AtomicFile(target);
  await file.removeStale();
  try {
    const rows = await writeToFile(batches, format, file.tempPath, options);
    await file.commit();
    return rows;
  } finally {
    await file.discard();
  }
}

/**
 * Writes results into a new file at `path` (which must not exist) and closes it. The CLI uses it
 * with an AtomicFile of its own, to decide what becomes of the file when a job is interrupted.
 */
export async function writeToFile(
  batches: AsyncIterable<ResultBlock | readonly CheckResult[]>,
  format: OutputFormat,
  path: string,
  options?: WriteResultsOptions,
): Promise<number> {
  const stream = createWriteStream(path, { flags: 'wx' });
  const behind = new WriteBehind(stream);
  const sink = new StreamSink(stream, { afterWrite: () => behind.written() });
  try {
    const rows = await writeBatches(batches, format, sink, options);
    await behind.stop();
    await sink.end();
    return rows;
  } catch (error) {
    // The first error is the one to report; a sync's, if any, only confirms the file is lost.
    await behind.stop().catch(() => {});
    await sink.abandon();
    throw error;
  }
}

/**
 * Whether `error` is a file's own write, sync or close failing (a full disk, an I/O error, a
 * network file system's lost write-back): what the file holds can then not be vouched for.
 */
export function isFileWriteError(error: unknown): boolean {
  const syscall = (error as NodeJS.ErrnoException | undefined)?.syscall;
  return syscall === 'write' || syscall === 'fdatasync' || syscall === 'close';
}

/** Writes results to a stream the caller owns: it is not ended. */
export async function writeToStream(
  batches: AsyncIterable<ResultBlock | readonly CheckResult[]>,
  format: OutputFormat,
  stream: Writable,
  options?: WriteResultsOptions,
): Promise<number> {
  const sink = new StreamSink(stream, { awaitEachWrite: true });
  try {
    return await writeBatches(batches, format, sink, options);
  } finally {
    sink.release();
  }
}

async function writeBatches(
  batches: AsyncIterable<ResultBlock | readonly CheckResult[]>,
  format: OutputFormat,
  sink: StreamSink,
  options: WriteResultsOptions | undefined,
): Promise<number> {
  if (format === 'xlsx') return writeXlsx(batches, sink);
  let rows = 0;
  // The header waits for the first batch: it tells which of the input's columns the rows carry,
  // and a richer product's results add columns.
  let header = true;
  let sourceColumns: readonly string[] | undefined;
  for await (const batch of batches) {
    let chunk: string | Uint8Array = '';
    if (header) {
      sourceColumns = sourceColumnsOf(batch);
      if (format === 'csv') await sink.write(csvHeader(outputHeader(sourceColumns, outputColumnsOf(batch)), options));
      header = false;
    }
    if (format === 'csv' && batch instanceof ResultBlock && !batch.extras) {
      chunk = csvBytes(batch, options, sourceColumns?.length ?? 0);
    } else {
      for (const result of batch instanceof ResultBlock ? toResults(batch) : batch)
        chunk += format === 'csv' ? csvLine(result, options, sourceColumns) : jsonLine(result);
    }
    rows += batch.length;
    await sink.write(chunk);
  }
  if (header && format === 'csv') await sink.write(csvHeader(outputColumnsOf(), options));
  return rows;
}

/** The input columns a batch's rows carry: a block's, or the fields of a batch's first result. */
function sourceColumnsOf(batch: ResultBlock | readonly CheckResult[]): readonly string[] | undefined {
  if (batch instanceof ResultBlock) return batch.sources ? batch.sourceColumns : undefined;
  const fields = batch[0]?.fields;
  return fields ? Object.keys(fields) : undefined;
}

/** XLSX cells are typed: text stays text (never a formula), so inputs are kept exactly as read. */
async function writeXlsx(batches: AsyncIterable<ResultBlock | readonly CheckResult[]>, sink: StreamSink) {
  // exceljs ends the stream it writes to; a relay keeps the caller's stream (stdout) open.
  const relay = new PassThrough();
  let relayError: unknown;
  const relayed = new Promise<void>((resolve, reject) => {
    relay.on('data', (chunk: Buffer) => {
      relay.pause();
      sink.write(chunk).then(
        () => relay.resume(),
        (error: unknown) => {
          relayError = error;
          reject(error);
        },
      );
    });
    relay.on('end', resolve);
    relay.on('error', reject);
  });
  relayed.catch(() => {}); // awaited below; a failure while rows are added is seen through relayError
  // Loaded here, not at the top: exceljs costs ~300 ms of CPU to load, on every CSV or JSONL job too.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: relay, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Results');
  let header = true;
  let rows = 0;
  let sourceColumns: readonly string[] = [];
  try {
    for await (const batch of batches) {
      if (header) {
        sourceColumns = sourceColumnsOf(batch) ?? [];
        sheet.addRow(outputHeader(sourceColumns, outputColumnsOf(batch))).commit();
        header = false;
      }
      for (const result of batch instanceof ResultBlock ? toResults(batch) : batch) {
        const cells: Array<string | number> = resultCells(result, (text) => text);
        cells[0] = result.row;
        sheet.addRow(sourceColumns.length > 0 ? [...sourceCells(result, sourceColumns), ...cells] : cells).commit();
      }
      rows += batch.length;
      if (relayError !== undefined) throw relayError;
    }
    if (header) sheet.addRow(outputColumnsOf()).commit();
    sheet.commit();
    await Promise.all([workbook.commit(), relayed]);
  } catch (error) {
    relay.destroy();
    throw error;
  }
  return rows;
}

/** Results from any source, in batches: a job's blocks, or single results gathered into batches. */
async function* batchesOf(source: ResultSource): AsyncGenerator<ResultBlock | readonly CheckResult[]> {
  if ('blocks' in source && typeof source.blocks === 'function') {
    yield* source.blocks();
    return;
  }
  if (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))
    throw new WaError(
      ErrorCodes.INVALID_OPTION,
      'writeResults takes a CheckJob or an (async) iterable of results, batches of results or blocks.',
    );
  let pending: CheckResult[] = [];
  for await (const item of source as AsyncIterable<ResultItem>) {
    if (item instanceof ResultBlock || Array.isArray(item)) {
      if (pending.length > 0) yield pending;
      pending = [];
      yield item as ResultBlock | readonly CheckResult[];
    } else {
      pending.push(item as CheckResult);
      if (pending.length >= 1024) {
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length > 0) yield pending;
}

function resolveFormat(format: OutputFormat | undefined, target: string | Writable): OutputFormat {
  if (format !== undefined) {
    if (format === 'csv' || format === 'jsonl' || format === 'xlsx') return format;
    throw new WaError(ErrorCodes.INVALID_OPTION, `The output format should be csv, jsonl or xlsx, got '${format}'.`);
  }
  if (typeof target !== 'string') return 'csv';
  const byPath = formatOfPath(target);
  if (byPath) return byPath;
  throw new WaError(
    ErrorCodes.INVALID_OPTION,
    `Cannot tell the output format of '${target}': name it .csv, .jsonl or .xlsx, or give the format.`,
  );
}

function isWritable(value: unknown): value is Writable {
  return typeof value === 'object' && value !== null && typeof (value as Writable).write === 'function';
}
