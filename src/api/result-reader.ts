import { ErrorCodes, WaError } from '../errors.js';
import { headerKey } from '../input/columns.js';
import { InflateBudget } from '../zip/zip-reader.js';
import { type Redact, redactorFor } from './redact.js';
import { readSharedStrings } from './result-shared-strings.js';
import { readSheetRows, type SheetRow } from './result-sheet.js';
import { openPart, openWorkbook } from './result-workbook.js';

export type Answer = 'yes' | 'no';

/** One row of a result file, as read: the number in E.164 and its answer. */
export interface ResultRecord {
  number: string;
  whatsapp: Answer;
  /**
   * The provider's product columns (`activetime`, `activedays`, `business`, `age`, `avatar`,
   * `category`, `gender`, `hair_color`, `skin_color`) as opaque text, `''` when a cell is empty;
   * only when the file has such columns.
   */
  extras?: Record<string, string>;
}

export interface ResultFileLimits {
  /**
   * Bytes inflated in all (the workbook out of a .zip, and the parts read), counted as they are
   * produced; each part is also held to it.
   */
  maxUnzippedBytes: number;
  /** Data rows read. */
  maxRows: number;
  /**
   * Strings in the workbook's shared-string table.
   * @default 8_000_000
   */
  maxSharedStrings?: number | undefined;
  /**
   * Their total length in UTF-8 bytes.
   * @default 128 MiB
   */
  maxSharedStringBytes?: number | undefined;
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
/** The provider's product columns, by header key, with the name they are given in `extras`. */
const EXTRA_HEADERS = new Map(
  ['activetime', 'activedays', 'business', 'age', 'avatar', 'category', 'gender', 'hair_color', 'skin_color'].map(
    (name) => [headerKey(name), name],
  ),
);
const YES = new Set(['yes', 'y', 'true', '1', 'activated', 'active', 'registered']);
const NO = new Set(['no', 'n', 'false', '0', 'not activated', 'inactive', 'unregistered', 'not registered']);

/**
 * Streams the records of a downloaded result file: an `.xlsx`, or a `.zip` around one. Only the
 * shared strings and the first sheet are read, as XML streams, keeping the cells of the number,
 * answer and product columns: memory and time are bounded by the caps whatever the file
 * claims, and a file that breaks them is a typed error (`WA_RESULT_TOO_LARGE`,
 * `WA_RESULT_INVALID`, `WA_RESULT_COLUMNS_NOT_FOUND`). Rows whose number or answer cannot be read
 * are skipped (they answer nothing), never guessed at.
 */
export async function* readResultFile(
  path: string,
  workDirectory: string,
  limits: ResultFileLimits,
): AsyncGenerator<ResultRecord> {
  const redact = redactorFor(limits.secrets ?? []);
  const budget = new InflateBudget(limits.maxUnzippedBytes);
  const workbook = await openWorkbook(path, workDirectory, budget);
  try {
    const sharedStrings = workbook.sharedStrings
      ? await readSharedStrings(
          await openPart(workbook.archive, workbook.sharedStrings, limits.maxUnzippedBytes, budget),
          workbook.sharedStrings,
          {
            maxCount: limits.maxSharedStrings ?? 8_000_000,
            maxBytes: limits.maxSharedStringBytes ?? 128 * 1024 * 1024,
          },
        )
      : undefined;
    let columns: ResultColumns | undefined;
    const rows = readSheetRows(
      await openPart(workbook.archive, workbook.sheet, limits.maxUnzippedBytes, budget),
      workbook.sheet,
      {
        maxRows: limits.maxRows,
        sharedStrings,
        chooseColumns: (header) => {
          columns = findColumns(header, redact);
          return new Set([columns.number, columns.answer, ...columns.extras.keys()]);
        },
      },
    );
    for await (const batch of rows) {
      for (const row of batch) {
        const record = toRecord(row, columns!, redact);
        if (record) yield record;
      }
    }
  } finally {
    await workbook.close();
  }
}

interface ResultColumns {
  number: number;
  answer: number;
  /** Product columns: column -> name in `extras`. */
  extras: Map<number, string>;
}

function findColumns(header: SheetRow, redact: Redact): ResultColumns {
  let number: number | undefined;
  let answer: number | undefined;
  const extras = new Map<number, string>();
  for (const [column, text] of [...header].sort(([a], [b]) => a - b)) {
    const key = headerKey(text);
    if (number === undefined && NUMBER_HEADERS.has(key)) number = column;
    else if (answer === undefined && ANSWER_HEADERS.has(key)) answer = column;
    else if (EXTRA_HEADERS.has(key) && ![...extras.values()].includes(EXTRA_HEADERS.get(key)!)) {
      extras.set(column, EXTRA_HEADERS.get(key)!);
    }
  }
  if (number === undefined || answer === undefined) {
    const shown = [...header.values()].slice(0, 12).map((text) => redact(text.slice(0, 40)));
    throw new WaError(
      ErrorCodes.RESULT_COLUMNS_NOT_FOUND,
      `The result file's columns could not be found: expected a number column and a whatsapp column, the first row reads ${JSON.stringify(shown)}.`,
    );
  }
  return { number, answer, extras };
}

function toRecord(row: SheetRow, columns: ResultColumns, redact: Redact): ResultRecord | undefined {
  const number = resultNumber(row.get(columns.number) ?? '');
  const whatsapp = resultAnswer(row.get(columns.answer) ?? '');
  if (!number || !whatsapp) return undefined;
  if (columns.extras.size === 0) return { number, whatsapp };
  const extras: Record<string, string> = {};
  for (const [column, name] of columns.extras) extras[name] = redact(row.get(column) ?? '');
  return { number, whatsapp, extras };
}

/** A number cell as E.164: text with or without `+` or `00`, or a numeric cell's digits. */
function resultNumber(text: string): string | undefined {
  const compact = text.replace(/[\s\-().]/g, '');
  const digits = compact.startsWith('+') ? compact.slice(1) : compact.startsWith('00') ? compact.slice(2) : compact;
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
}

function resultAnswer(text: string): Answer | undefined {
  const answer = text.trim().toLowerCase();
  if (YES.has(answer)) return 'yes';
  if (NO.has(answer)) return 'no';
  return undefined;
}
