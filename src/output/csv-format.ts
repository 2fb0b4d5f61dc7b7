import { answerOf, INVALID_REASONS, reasonOf, sourceOf } from '../job/answer-state.js';
import type { CheckResult } from '../job/result-block.js';
import { INVALID_ROW, type ResultBlock } from '../job/result-block.js';
import type { TextColumn } from '../job/text-column.js';
import { recordCells } from '../input/source-cells.js';
import { resultCells, sourceCells } from './columns.js';
import { neutralizeFormula } from './formula-guard.js';

const NEEDS_QUOTES = /[",\n\r]/;

export interface CsvOptions {
  /** Prefix text cells a spreadsheet would run as a formula with `'`. @default true */
  formulaGuard?: boolean | undefined;
}

/**
 * One result as a CSV line (with its newline); `formulaGuard: false` keeps text cells as read.
 * With `sourceColumns`, the result's carried `fields` in that order come first.
 */
export function csvLine(result: CheckResult, options?: CsvOptions, sourceColumns?: readonly string[]): string {
  const guard = options?.formulaGuard === false ? keepText : neutralizeFormula;
  const cells = resultCells(result, guard);
  const carried = sourceColumns?.length ? sourceCells(result, sourceColumns).map(guard) : [];
  return `${[...carried, ...cells].map(csvField).join(',')}\n`;
}

/**
 * A block's rows as CSV, in UTF-8 bytes: exactly what `csvLine` gives for each of its results,
 * without making them or any string. Written straight into a buffer, a row costs about half of
 * what formatting it as text and encoding that did (~140 ns at 10M rows). What follows the number
 * depends on the row's state and duplicate flag alone, so it is encoded once per state. Text cells
 * are copied as UTF-8 bytes (a block of strings is encoded once, see text-column.ts), and only a
 * cell that needs quotes, or a block whose text has no UTF-8 form, is formatted as text.
 */
export function csvBytes(block: ResultBlock, options?: CsvOptions, sourceWidth = 0): Buffer {
  const formulaGuard = options?.formulaGuard !== false;
  const { rows, inputColumn } = block;
  const sources = sourceWidth > 0 ? block.sources : undefined;
  const lines = sources && linesOf(sources, inputColumn);
  if (lines) return csvBytesOfLines(block, lines, formulaGuard, sourceWidth);
  const ends = lineEndsOf(block);
  const inputs = inputColumn.asBytes();
  const records = sources?.asBytes();
  // At most 3 bytes per UTF-16 unit or 2 per UTF-8 byte (quotes doubled, non-ASCII), a guard and
  // two quotes per cell and a comma after it; the row number, number and tail fit in ROW_BYTES.
  let textSize = sizeOf(inputColumn, block.length);
  if (sources) textSize += sizeOf(sources, block.length);
  const buffer = Buffer.allocUnsafe(3 * textSize + (3 + ROW_BYTES + 4 * sourceWidth) * block.length);
  const emptySources = ','.repeat(sourceWidth);
  let at = 0;
  for (let i = 0; i < block.length; i++) {
    if (records) {
      at = writeSourceBytes(buffer, at, records.bytes!, records.start(i), records.end(i), sourceWidth, formulaGuard);
    } else if (sources) at += buffer.write(sourceText(sources.get(i), sourceWidth, formulaGuard), at, 'utf8');
    else if (sourceWidth > 0) at += buffer.write(emptySources, at, 'latin1');
    at = writeInteger(buffer, at, rows[i]!);
    buffer[at++] = COMMA;
    if (inputs) at = writeTextBytes(buffer, at, inputs.bytes!, inputs.start(i), inputs.end(i), formulaGuard);
    else at += buffer.write(textCell(inputColumn.get(i), formulaGuard), at, 'utf8');
    buffer[at++] = COMMA;
    at = writeLineEnd(buffer, at, ends, i);
  }
  return buffer.subarray(0, at);
}

/** Records and phone cells as spans of the same bytes: the lines of a CSV file, each with its phone cell. */
interface Lines {
  bytes: Buffer;
  lineStarts: Uint32Array;
  lineEnds: Uint32Array;
  cellStarts: Uint32Array;
  cellEnds: Uint32Array;
}

function linesOf(sources: TextColumn, inputs: TextColumn): Lines | undefined {
  const bytes = sources.bytes;
  const lineStarts = sources.starts;
  const cellStarts = inputs.starts;
  const cellBytes = inputs.bytes;
  if (!bytes || !cellBytes || !lineStarts || !cellStarts) return undefined;
  // Each column has a Buffer of its own over the memory they share (TextColumn.over).
  const shared =
    cellBytes.buffer === bytes.buffer && cellBytes.byteOffset === bytes.byteOffset && cellBytes.length === bytes.length;
  if (!shared) return undefined;
  return { bytes, lineStarts, lineEnds: sources.ends!, cellStarts, cellEnds: inputs.ends! };
}

/**
 * csvBytes() of a block whose records are lines and whose phone cells lie in them (the input
 * worker sends a CSV file's rows so). Its own loop, on the spans' arrays: a line with no quote,
 * CR or LF, as wide as the header, is copied as it is, cells guarded; its phone cell then needs
 * no check but a comma; row numbers that follow each other are counted up in their digits.
 * 2M CRM rows: ~300 -> ~230 ns a row (bench/README.md).
 */
function csvBytesOfLines(block: ResultBlock, lines: Lines, formulaGuard: boolean, width: number): Buffer {
  const { lineStarts, lineEnds, cellStarts, cellEnds } = lines;
  let textSize = 0;
  for (let i = 0; i < block.length; i++) textSize += lineEnds[i]! - lineStarts[i]! + cellEnds[i]! - cellStarts[i]!;
  // As csvBytes() sizes it.
  const buffer = Buffer.allocUnsafe(3 * textSize + (3 + ROW_BYTES + 4 * width) * block.length);
  return buffer.subarray(0, writeLines(buffer, block, lines, formulaGuard, width));
}

/**
 * csvBytesOfLines' loop; returns where the rows written end. A function of its own, which ends
 * on nothing but its loop: the first block's loop is compiled while it runs (on-stack
 * replacement), and code after the loop that never ran yet sent that compiled code back to be
 * compiled again (`--trace-deopt`: "insufficient type feedback" at the `subarray` after it).
 */
function writeLines(buffer: Buffer, block: ResultBlock, lines: Lines, formulaGuard: boolean, width: number): number {
  const { rows } = block;
  const ends = lineEndsOf(block);
  const { bytes, lineStarts, lineEnds, cellStarts, cellEnds } = lines;
  let at = 0;
  // Where the last row number's digits are.
  let rowAt = 0;
  let rowLength = 0;
  for (let i = 0; i < block.length; i++) {
    const start = lineStarts[i]!;
    const end = lineEnds[i]!;
    const begin = at;
    let cells = 1;
    let asRead = true;
    if (formulaGuard && start < end && FORMULA_START[bytes[start]!] === 1) buffer[at++] = APOSTROPHE;
    for (let j = start; j < end; j++) {
      const byte = bytes[j]!;
      // Copied first, looked at after: most bytes are above the comma and need nothing more.
      // UTF-8 as it came: no byte of a multi-byte character is ASCII.
      buffer[at++] = byte;
      if (byte > COMMA) continue;
      if (byte === COMMA) {
        cells++;
        if (formulaGuard && j + 1 < end && FORMULA_START[bytes[j + 1]!] === 1) buffer[at++] = APOSTROPHE;
      } else if (byte === QUOTE || byte === 10 || byte === 13) {
        asRead = false;
        break;
      }
    }
    if (asRead && cells <= width) {
      for (; cells <= width; cells++) buffer[at++] = COMMA;
    } else {
      asRead = false;
      at = begin + buffer.write(sourceText(bytes.toString('utf8', start, end), width, formulaGuard), begin, 'utf8');
    }
    const row = rows[i]!;
    const rowEnd =
      i > 0 && row === rows[i - 1]! + 1
        ? writeNextInteger(buffer, at, rowAt, rowAt + rowLength)
        : writeInteger(buffer, at, row);
    rowAt = at;
    rowLength = rowEnd - at;
    at = rowEnd;
    buffer[at++] = COMMA;
    const cellStart = cellStarts[i]!;
    const cellEnd = cellEnds[i]!;
    at =
      asRead && start <= cellStart && cellEnd <= end
        ? writeCellOfLine(buffer, at, bytes, cellStart, cellEnd, formulaGuard)
        : writeTextBytes(buffer, at, bytes, cellStart, cellEnd, formulaGuard);
    buffer[at++] = COMMA;
    at = writeLineEnd(buffer, at, ends, i);
  }
  return at;
}

/**
 * A phone cell in a line csvBytesOfLines copied as it was: it has no quote, CR or LF, so only a
 * comma (bytes that are not one cell) sends it to writeTextBytes.
 */
function writeCellOfLine(
  buffer: Buffer,
  at: number,
  bytes: Buffer,
  start: number,
  end: number,
  guard: boolean,
): number {
  if (start === end) return at;
  const begin = at;
  if (guard && FORMULA_START[bytes[start]!] === 1) buffer[at++] = APOSTROPHE;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === COMMA) return writeTextBytes(buffer, begin, bytes, start, end, guard);
    buffer[at++] = byte;
  }
  return at;
}

/** Row `i`'s number (when it has one) and the cells after it, by its state, to the end of its line. */
function writeLineEnd(
  buffer: Buffer,
  at: number,
  { states, keys, duplicates, reasonCodes }: LineEnds,
  i: number,
): number {
  const state = states[i]!;
  let tail: Uint8Array;
  if (state === INVALID_ROW) {
    tail = INVALID_TAILS[reasonCodes[i]!]!;
  } else {
    buffer[at++] = PLUS;
    at = writeInteger(buffer, at, keys[i]!);
    tail = NUMBER_TAILS[state * 2 + duplicates[i]!]!;
  }
  buffer.set(tail, at);
  return at + tail.length;
}

/** The columns writeLineEnd reads, taken from the block once. */
type LineEnds = Pick<ResultBlock, 'states' | 'keys' | 'duplicates' | 'reasonCodes'>;

/** A block's columns for writeLineEnd, as one small object of the same shape for every block. */
function lineEndsOf({ states, keys, duplicates, reasonCodes }: ResultBlock): LineEnds {
  return { states, keys, duplicates, reasonCodes };
}

/** The UTF-16 units or UTF-8 bytes of a column's first `rows` texts. */
function sizeOf(column: TextColumn, rows: number): number {
  if (rows === 0) return 0;
  if (column.bytes) return column.byteLength(rows);
  let units = 0;
  for (let i = 0; i < rows; i++) units += column.get(i).length;
  return units;
}

const COMMA = 44;
const PLUS = 43;
const QUOTE = 34;
const APOSTROPHE = 39;
const ZERO = 48;
const ONE = 49;
const NINE = 57;
/** 1 for a first byte that makes a spreadsheet run a cell as a formula (formula-guard.ts): = + - @ tab CR. */
const FORMULA_START = new Uint8Array(256);
for (const byte of [61, 43, 45, 64, 9, 13]) FORMULA_START[byte] = 1;
/** A row number (10 digits), a number (1 + 15), three commas and the longest tail, with room to spare. */
const ROW_BYTES = 160;

/** The whatsapp, source and reason cells of a row with a number, by its state. */
const STATE_CELLS: string[] = Array.from({ length: INVALID_ROW }, (_, state) =>
  [answerOf(state) ?? '', sourceOf(state) ?? '', csvText(reasonOf(state) ?? '')].join(','),
);

/** What follows a row's number, by state and duplicate flag (index state * 2 + flag). */
const NUMBER_TAILS: Uint8Array[] = Array.from({ length: INVALID_ROW * 2 }, (_, index) =>
  Buffer.from(`,${STATE_CELLS[index >> 1]!}${index & 1 ? ',true\n' : ',false\n'}`),
);

/** What follows an invalid row's input, by reason code. */
const INVALID_TAILS: Uint8Array[] = INVALID_REASONS.map((reason) => Buffer.from(`,,,${csvText(reason)},false\n`));

/**
 * A row's carried cells (its source record), `width` of them, each followed by a comma. The usual
 * record (no quotes, as wide as the header) is copied as it is, with a `'` before a cell a
 * spreadsheet would run as a formula; any other is split into cells and each formatted as text.
 */
function writeSourceBytes(
  buffer: Buffer,
  at: number,
  bytes: Buffer,
  start: number,
  end: number,
  width: number,
  formulaGuard: boolean,
): number {
  const begin = at;
  let cells = 1;
  let cellStart = true;
  let quoted = false;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === COMMA) {
      cells++;
      cellStart = true;
      buffer[at++] = COMMA;
      continue;
    }
    if (byte === QUOTE || byte === 10 || byte === 13) {
      quoted = true;
      break;
    }
    if (cellStart) {
      cellStart = false;
      if (formulaGuard && (byte === 61 || byte === 43 || byte === 45 || byte === 64 || byte === 9))
        buffer[at++] = APOSTROPHE;
    }
    // UTF-8 as it came: no byte of a multi-byte character is ASCII.
    buffer[at++] = byte;
  }
  if (quoted || cells > width) {
    const text = sourceText(bytes.toString('utf8', start, end), width, formulaGuard);
    return begin + buffer.write(text, begin, 'utf8');
  }
  for (; cells <= width; cells++) buffer[at++] = COMMA;
  return at;
}

/** A source record's cells as CSV text, each followed by a comma. */
function sourceText(record: string, width: number, formulaGuard: boolean): string {
  let text = '';
  for (const cell of recordCells(record, width)) text += `${textCell(cell, formulaGuard)},`;
  return text;
}

/** A text cell as textCell gives it, from its UTF-8 bytes: copied as they are unless it needs quotes. */
function writeTextBytes(buffer: Buffer, at: number, bytes: Buffer, start: number, end: number, guard: boolean): number {
  if (start === end) return at;
  const begin = at;
  const first = bytes[start]!;
  if (guard && (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13))
    buffer[at++] = APOSTROPHE;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === QUOTE || byte === COMMA || byte === 10 || byte === 13) {
      return begin + buffer.write(textCell(bytes.toString('utf8', start, end), guard), begin, 'utf8');
    }
    buffer[at++] = byte;
  }
  return at;
}

/** The decimal digits of an integer below 10^16 (a key or a row number): two int32-sized halves. */
function writeInteger(buffer: Buffer, at: number, value: number): number {
  if (value < 1e8) return writeBelow1e8(buffer, at, value, 1);
  const high = Math.floor(value / 1e8);
  return writeBelow1e8(buffer, writeBelow1e8(buffer, at, high, 1), value - high * 1e8, 8);
}

/**
 * The integer one above the one whose digits are at [from, to): those digits copied and counted
 * up, far cheaper than dividing a row number again (rows mostly follow each other). From all
 * nines (9, 99, ...) it grows a digit: a 1 and zeros, written by the same stores (a store or a
 * call first met at row 100,000 sent the loop around it back to be compiled again, twice:
 * `--trace-deopt`, "insufficient type feedback").
 */
function writeNextInteger(buffer: Buffer, at: number, from: number, to: number): number {
  let last = to - 1;
  while (last >= from && buffer[last] === NINE) last--;
  // The digits before the one counted up are kept; all nines: none kept, one digit more.
  const kept = last - from;
  const grown = kept < 0 ? 1 : 0;
  for (let i = 0; i < kept; i++) buffer[at + i] = buffer[from + i]!;
  buffer[at + kept + grown] = grown === 1 ? ONE : buffer[last]! + 1;
  for (let i = kept + grown + 1; i < to - from + grown; i++) buffer[at + i] = ZERO;
  return at + to - from + grown;
}

/** "00" to "99" as bytes: two digits per division (10M rows: ~100 -> ~85 ns a row for a row number and a key). */
const DIGIT_PAIRS = Buffer.from(Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0')).join(''), 'latin1');

/** `value` (below 10^8) in at least `minDigits` digits, zero-padded. */
function writeBelow1e8(buffer: Buffer, at: number, value: number, minDigits: number): number {
  let digits =
    value < 10
      ? 1
      : value < 100
        ? 2
        : value < 1e3
          ? 3
          : value < 1e4
            ? 4
            : value < 1e5
              ? 5
              : value < 1e6
                ? 6
                : value < 1e7
                  ? 7
                  : 8;
  if (digits < minDigits) digits = minDigits;
  // From the last digit back, two at a time; padding zeros come out as pairs of a zero value.
  let p = at + digits;
  while (p - at >= 2) {
    const next = (value / 100) | 0;
    const pair = (value - next * 100) << 1;
    buffer[--p] = DIGIT_PAIRS[pair + 1]!;
    buffer[--p] = DIGIT_PAIRS[pair]!;
    value = next;
  }
  if (p > at) buffer[at] = 48 + value;
  return at + digits;
}

/** A text cell as CSV, guarded against formulas unless `formulaGuard` is false. */
function textCell(text: string, formulaGuard: boolean): string {
  return formulaGuard ? csvText(text) : csvField(text);
}

/** A text cell, guarded against formulas, then quoted when it must be. */
function csvText(text: string): string {
  return csvField(neutralizeFormula(text));
}

function keepText(text: string): string {
  return text;
}

/** The header line; with the formula guard, a carried column's name is guarded as a text cell is. */
export function csvHeader(names: readonly string[], options?: CsvOptions): string {
  const guard = options?.formulaGuard === false ? keepText : neutralizeFormula;
  return `${names.map((name) => csvField(guard(name))).join(',')}\n`;
}

function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
