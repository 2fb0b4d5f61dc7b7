import type { Readable } from 'node:stream';
import { ErrorCodes, WaError } from '../errors.js';
import { invalidPart, parseXmlPart } from './result-xml.js';
import type { SharedStrings } from './result-shared-strings.js';

/** Cells of one row by column (the first column is 1): only the columns asked for, never empty. */
export type SheetRow = ReadonlyMap<number, string>;

export interface SheetReadOptions {
  /** Data rows (after the header) read at most. */
  maxRows: number;
  sharedStrings: SharedStrings | undefined;
  /**
   * Called once with the header row (the first row with a value; texts cut at 256 characters):
   * returns the columns whose cells the data rows should carry.
   */
  chooseColumns(header: SheetRow): ReadonlySet<number>;
}

/** Excel's last column, XFD. */
const MAX_COLUMN = 16_384;
const MAX_ELEMENTS_PER_CELL = 256;
/** Sheet properties, views, columns, merges...: a result file has a handful. */
const MAX_ELEMENTS_OUTSIDE_ROWS = 100_000;
const MAX_HEADER_CHARS = 256;

/**
 * Streams the rows of a worksheet part, in batches, (`<worksheet><sheetData><row><c>`), keeping only the
 * cells of the chosen columns. Anything that is not that shape inside `<sheetData>` is
 * `WA_RESULT_INVALID` at once, and elements elsewhere are capped, so a flood of elements costs
 * little time. A cell without a reference follows the one before it, as ECMA-376 allows.
 */
export async function* readSheetRows(
  stream: Readable,
  part: string,
  options: SheetReadOptions,
): AsyncGenerator<SheetRow[]> {
  const path: string[] = [];
  const ready: SheetRow[] = [];
  let columns: ReadonlySet<number> | undefined;
  let row = new Map<number, string>();
  let rows = 0;
  let column = 0;
  let cell: { type: string; value: string[]; inline: string[]; elements: number } | undefined;
  let outside = 0;

  const endCell = () => {
    const kept = columns ? columns.has(column) : true;
    if (!kept || !cell) return;
    const text = cellValue(cell.type, cell.value.join(''), cell.inline.join(''), options.sharedStrings, part);
    if (text !== '') row.set(column, columns ? text : text.slice(0, MAX_HEADER_CHARS));
  };
  const endRow = () => {
    // Every row element counts, empty ones too, so that a flood of them ends early.
    if (++rows > options.maxRows + 1) {
      throw new WaError(ErrorCodes.RESULT_TOO_LARGE, `The result file has more than ${options.maxRows} rows.`);
    }
    if (row.size === 0) return; // nothing to hand on, and nothing to allocate for the next row
    if (columns) ready.push(row);
    else columns = options.chooseColumns(row);
    row = new Map();
  };

  const handlers = {
    open(name: string, attributes: Readonly<Record<string, string>>): void {
      path.push(name);
      const depth = path.length;
      if (depth === 1 && name !== 'worksheet') throw invalidPart(part, `the root is <${name}>, not <worksheet>`);
      if (depth === 1) return;
      if (path[1] !== 'sheetData') {
        if (++outside > MAX_ELEMENTS_OUTSIDE_ROWS) {
          throw invalidPart(part, `more than ${MAX_ELEMENTS_OUTSIDE_ROWS} elements outside the rows`);
        }
        return;
      }
      if (depth === 3) {
        if (name !== 'row') throw invalidPart(part, `<sheetData> holds a <${name}>, not a row`);
        column = 0;
      } else if (depth === 4) {
        if (name === 'extLst') return;
        if (name !== 'c') throw invalidPart(part, `a row holds a <${name}>, not a cell`);
        column = cellColumn(attributes.r, column, part);
        cell = { type: attributes.t ?? 'n', value: [], inline: [], elements: 0 };
      } else if (cell && ++cell.elements > MAX_ELEMENTS_PER_CELL) {
        throw invalidPart(part, `a cell holds more than ${MAX_ELEMENTS_PER_CELL} elements`);
      }
    },
    close(): void {
      if (path[1] === 'sheetData') {
        if (path.length === 4 && path[3] === 'c') {
          endCell();
          cell = undefined;
        } else if (path.length === 3) endRow();
      }
      path.pop();
    },
    text(text: string): void {
      if (!cell) return;
      const depth = path.length;
      const last = path[depth - 1];
      if (depth === 5 && last === 'v') cell.value.push(text);
      else if (last === 't' && path[4] === 'is' && (depth === 6 || (depth === 7 && path[5] === 'r'))) {
        cell.inline.push(text);
      }
    },
  };
  // Rows go out a chunk's worth at a time: one await per row would cost more than parsing it.
  for await (const _ of parseXmlPart(stream, part, handlers)) {
    if (ready.length > 0) yield ready.splice(0);
  }
  if (!columns) {
    throw new WaError(
      ErrorCodes.RESULT_COLUMNS_NOT_FOUND,
      'The result file has no header row: its first sheet is empty.',
    );
  }
}

/** `B7` is column 2; no reference means the column after the previous cell. */
function cellColumn(reference: string | undefined, previous: number, part: string): number {
  let column = previous + 1;
  if (reference !== undefined) {
    const letters = /^([A-Za-z]{1,3})\d{1,7}$/.exec(reference)?.[1];
    if (!letters)
      throw invalidPart(part, `the cell reference ${JSON.stringify(reference.slice(0, 20))} is not A1-style`);
    column = 0;
    for (const letter of letters.toUpperCase()) column = column * 26 + (letter.charCodeAt(0) - 64);
  }
  if (column > MAX_COLUMN) throw invalidPart(part, `a cell lies beyond column ${MAX_COLUMN}`);
  return column;
}

function cellValue(
  type: string,
  value: string,
  inline: string,
  shared: SharedStrings | undefined,
  part: string,
): string {
  switch (type) {
    case 's': {
      const index = Number(value.trim());
      const text = shared?.get(index);
      if (text === undefined) {
        throw invalidPart(part, `a cell refers to shared string ${value.trim().slice(0, 20)} of ${shared?.size ?? 0}`);
      }
      return text;
    }
    case 'inlineStr':
      return inline;
    case 'b':
      return value.trim() === '1' ? 'true' : value.trim() === '0' ? 'false' : value;
    case 'n':
      return numberText(value.trim());
    default:
      return value;
  }
}

/** Every digit of a numeric cell (phone numbers arrive as numbers, sometimes as 4.1798284651E10). */
function numberText(value: string): string {
  if (/^-?\d+$/.test(value)) return value;
  const number = Number(value);
  if (value === '' || !Number.isFinite(number)) return value;
  return Number.isInteger(number) ? number.toFixed(0) : String(number);
}
