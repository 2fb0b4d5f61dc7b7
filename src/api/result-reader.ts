import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { ErrorCodes, WaError } from '../errors.js';
import { openZipEntry, readZipDirectory, type ZipDirectoryEntry } from '../zip/zip-reader.js';
import { cellText } from '../spreadsheet/cell-text.js';
import { headerKey } from '../input/columns.js';

export type Answer = 'yes' | 'no';

/** One row of a result file, as read: the number in E.164 and its answer. */
export interface ResultRecord {
  number: string;
  whatsapp: Answer;
}

export interface ResultFileLimits {
  /** Bytes once unzipped (the outer .zip, and the sum the workbook declares for its parts). */
  maxUnzippedBytes: number;
  /** Data rows read. */
  maxRows: number;
  /** Scrubbed from any text of the file that reaches a message (the API key). */
  secrets?: readonly string[] | undefined;
}

/** Headers the provider's products use for the number column, compared without case or separators. */
const NUMBER_HEADERS = new Set([
  'number',
  'phone',
  'phonenumber',
  'mobile',
  'msisdn',
  'tel',
  'telephone',
  'whatsappnumber',
]);
/** ...and for the answer column. */
const ANSWER_HEADERS = new Set([
  'whatsapp',
  'activated',
  'active',
  'iswhatsapp',
  'haswhatsapp',
  'wa',
  'exists',
  'registered',
  'status',
  'result',
]);
const YES = new Set(['yes', 'y', 'true', '1', 'activated', 'active', 'registered']);
const NO = new Set(['no', 'n', 'false', '0', 'not activated', 'inactive', 'unregistered', 'not registered']);

/**
 * Streams the records of a downloaded result file: an `.xlsx`, or a `.zip` around one. Rows
 * whose number or answer cannot be read are skipped (they answer nothing), never guessed at.
 */
export async function* readResultFile(
  path: string,
  workDirectory: string,
  limits: ResultFileLimits,
): AsyncGenerator<ResultRecord> {
  const workbookPath = await unwrapZip(path, workDirectory, limits);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(workbookPath, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let numberColumn = -1;
  let answerColumn = -1;
  let rows = 0;
  let sawSheet = false;
  for await (const sheet of reader) {
    sawSheet = true;
    for await (const row of sheet) {
      const values = row.values as unknown[];
      if (numberColumn < 0) {
        const headers = values.map((value) => headerKey(cellText(value)));
        numberColumn = headers.findIndex((header) => NUMBER_HEADERS.has(header));
        answerColumn = headers.findIndex((header) => ANSWER_HEADERS.has(header));
        if (numberColumn < 0 || answerColumn < 0) {
          throw new WaError(
            ErrorCodes.RESULT_COLUMNS_NOT_FOUND,
            `The result file's columns could not be found: expected a number column and a whatsapp column, the first row reads ${JSON.stringify(values.filter((value) => value !== undefined).map(cellText))}.`,
          );
        }
        continue;
      }
      if (++rows > limits.maxRows) {
        throw new WaError(ErrorCodes.RESULT_TOO_LARGE, `The result file has more than ${limits.maxRows} rows.`);
      }
      const number = resultNumber(values[numberColumn]);
      const whatsapp = resultAnswer(values[answerColumn]);
      if (number && whatsapp) yield { number, whatsapp };
    }
    break; // the first sheet only
  }
  if (!sawSheet || numberColumn < 0) {
    throw new WaError(ErrorCodes.RESULT_COLUMNS_NOT_FOUND, 'The result file has no sheet with a header row.');
  }
}

/** A number cell as E.164: text with or without `+`, or a numeric cell. */
function resultNumber(value: unknown): string | undefined {
  const text = cellText(value).replace(/[\s\-().]/g, '');
  const digits = text.startsWith('+') ? text.slice(1) : text.startsWith('00') ? text.slice(2) : text;
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
}

function resultAnswer(value: unknown): Answer | undefined {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  const text = cellText(value).trim().toLowerCase();
  if (YES.has(text)) return 'yes';
  if (NO.has(text)) return 'no';
  return undefined;
}

/**
 * Finds the workbook: the file itself, or the `.xlsx` inside a `.zip` (an xlsx is a zip too;
 * it is told apart by its `[Content_Types].xml`). Checks the declared sizes against the limit
 * before anything is inflated, and counts real bytes while extracting, against zip bombs.
 */
async function unwrapZip(path: string, workDirectory: string, limits: ResultFileLimits): Promise<string> {
  const entries = await readZipDirectory(path);
  if (!entries) throw new WaError(ErrorCodes.BAD_RESPONSE, 'The result file is neither an .xlsx workbook nor a .zip.');
  if (entries.some((entry) => entry.name === '[Content_Types].xml')) {
    checkDeclaredSize(entries, limits);
    return path;
  }
  const inner = entries.find((entry) => /\.xlsx$/i.test(entry.name));
  if (!inner) {
    throw new WaError(
      ErrorCodes.BAD_RESPONSE,
      `The result .zip holds no .xlsx (it holds ${entries.map((entry) => entry.name).join(', ') || 'nothing'}).`,
    );
  }
  if (inner.uncompressedSize > limits.maxUnzippedBytes) throw unzippedTooLarge(limits);
  const innerPath = join(workDirectory, 'result.xlsx');
  let written = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      callback(written > limits.maxUnzippedBytes ? unzippedTooLarge(limits) : null, chunk);
    },
  });
  await pipeline(await openZipEntry(path, inner), cap, createWriteStream(innerPath));
  const innerEntries = await readZipDirectory(innerPath);
  if (!innerEntries) throw new WaError(ErrorCodes.BAD_RESPONSE, 'The .xlsx inside the result .zip is not a workbook.');
  checkDeclaredSize(innerEntries, limits);
  return innerPath;
}

function checkDeclaredSize(entries: readonly ZipDirectoryEntry[], limits: ResultFileLimits): void {
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (declared > limits.maxUnzippedBytes) throw unzippedTooLarge(limits);
}

function unzippedTooLarge(limits: ResultFileLimits): WaError {
  return new WaError(
    ErrorCodes.RESULT_TOO_LARGE,
    `The result file unzips to more than ${limits.maxUnzippedBytes} bytes.`,
  );
}
