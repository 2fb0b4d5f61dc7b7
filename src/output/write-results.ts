import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { CheckResult } from '../job/result-block.js';
import { ResultBlock, toResults } from '../job/result-block.js';
import { OUTPUT_COLUMNS, resultCells } from './columns.js';
import { csvBytes, csvLine } from './csv-format.js';
import { neutralizeFormula } from './formula-guard.js';

export type OutputFormat = 'csv' | 'jsonl' | 'xlsx';

/** The format an output path asks for by its extension, if any. */
export function formatOfPath(path: string): OutputFormat | undefined {
  const match = /\.(csv|jsonl|ndjson|xlsx)$/i.exec(path);
  if (!match) return undefined;
  const extension = match[1]!.toLowerCase();
  return extension === 'ndjson' ? 'jsonl' : (extension as OutputFormat);
}

/** What writeResults takes: a job (its `blocks()`, the fast form), or batches of results. */
export type ResultSource = { blocks(): AsyncIterable<ResultBlock> } | AsyncIterable<CheckResult[] | ResultBlock>;

/**
 * Writes results to a file or stream as they come, in bounded memory (the XLSX writer
 * streams too). Returns the number of rows written.
 *
 * @example
 * const job = checkNumbers('contacts.csv', options);
 * await writeResults(job, 'csv', 'results.csv');
 */
export async function writeResults(
  source: ResultSource,
  format: OutputFormat,
  target: string | Writable,
): Promise<number> {
  const batches = 'blocks' in source ? source.blocks() : source;
  if (format === 'xlsx') return writeXlsx(asResults(batches), target);
  const stream = typeof target === 'string' ? createWriteStream(target) : target;
  let rows = 0;
  try {
    if (format === 'csv') await write(stream, `${OUTPUT_COLUMNS.join(',')}\n`);
    for await (const batch of batches) {
      let chunk: string | Uint8Array = '';
      if (format === 'csv' && batch instanceof ResultBlock) {
        chunk = csvBytes(batch);
      } else {
        for (const result of batch instanceof ResultBlock ? toResults(batch) : batch) {
          chunk += format === 'csv' ? csvLine(result) : `${JSON.stringify(result)}\n`;
        }
      }
      rows += batch.length;
      await write(stream, chunk);
    }
  } finally {
    if (typeof target === 'string')
      await new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
  }
  return rows;
}

async function writeXlsx(batches: AsyncIterable<CheckResult[]>, target: string | Writable): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter(
    typeof target === 'string'
      ? { filename: target, useStyles: false, useSharedStrings: false }
      : { stream: target, useStyles: false, useSharedStrings: false },
  );
  const sheet = workbook.addWorksheet('Results');
  sheet.addRow([...OUTPUT_COLUMNS]).commit();
  let rows = 0;
  for await (const batch of batches) {
    for (const result of batch) {
      const cells: Array<string | number> = resultCells(result, neutralizeFormula);
      cells[0] = result.row;
      sheet.addRow(cells).commit();
    }
    rows += batch.length;
  }
  sheet.commit();
  await workbook.commit();
  return rows;
}

async function* asResults(batches: AsyncIterable<CheckResult[] | ResultBlock>): AsyncGenerator<CheckResult[]> {
  for await (const batch of batches) yield batch instanceof ResultBlock ? toResults(batch) : batch;
}

async function write(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  if (chunk.length > 0 && !stream.write(chunk)) await once(stream, 'drain');
}
