import { answerOf, reasonOf, sourceOf } from '../job/answer-state.js';
import type { CheckResult } from '../job/result-block.js';
import { INVALID_REASONS } from '../job/normalize-rows.js';
import { INVALID_ROW, type ResultBlock } from '../job/result-block.js';
import { resultCells } from './columns.js';
import { neutralizeFormula } from './formula-guard.js';

const NEEDS_QUOTES = /[",\n\r]/;

export interface CsvOptions {
  /** Prefix text cells a spreadsheet would run as a formula with `'`. @default true */
  formulaGuard?: boolean | undefined;
}

/** One result as a CSV line (with its newline); `formulaGuard: false` keeps text cells as read. */
export function csvLine(result: CheckResult, options?: CsvOptions): string {
  return `${resultCells(result, options?.formulaGuard === false ? keepText : neutralizeFormula)
    .map(csvField)
    .join(',')}\n`;
}

/**
 * A block's rows as CSV, in UTF-8 bytes: exactly what `csvLine` gives for each of its results,
 * without making them or any string. Written straight into a buffer, a row costs about half of
 * what formatting it as text and encoding that did (~140 ns at 10M rows). What follows the number
 * depends on the row's state and duplicate flag alone, so it is encoded once per state; the input
 * cell is copied code unit by code unit, and only a cell that needs quotes or holds non-ASCII
 * text is formatted as text.
 */
export function csvBytes(block: ResultBlock, options?: CsvOptions): Buffer {
  const formulaGuard = options?.formulaGuard !== false;
  const { rows, keys, states, duplicates, inputs, reasonCodes } = block;
  let inputUnits = 0;
  for (let i = 0; i < block.length; i++) inputUnits += inputs[i]!.length;
  // At most 3 bytes per UTF-16 unit (quotes doubled, non-ASCII), a guard and two quotes per
  // input; the row number, number and tail fit in ROW_BYTES.
  const buffer = Buffer.allocUnsafe(3 * inputUnits + (3 + ROW_BYTES) * block.length);
  let at = 0;
  for (let i = 0; i < block.length; i++) {
    at = writeInteger(buffer, at, rows[i]!);
    buffer[at++] = COMMA;
    at = writeTextCell(buffer, at, inputs[i]!, formulaGuard);
    buffer[at++] = COMMA;
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
    at += tail.length;
  }
  return buffer.subarray(0, at);
}

const COMMA = 44;
const PLUS = 43;
const QUOTE = 34;
const APOSTROPHE = 39;
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

/** A text cell as csvText gives it; ASCII that needs no quotes is copied as it is. */
function writeTextCell(buffer: Buffer, at: number, text: string, formulaGuard: boolean): number {
  const start = at;
  const first = text.charCodeAt(0);
  // neutralizeFormula: = + - @ \t \r
  if (formulaGuard && (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13))
    buffer[at++] = APOSTROPHE;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80 || code === QUOTE || code === COMMA || code === 10 || code === 13)
      return start + buffer.write(formulaGuard ? csvText(text) : csvField(text), start, 'utf8');
    buffer[at++] = code;
  }
  return at;
}

/** The decimal digits of an integer below 10^16 (a key or a row number): two int32-sized halves. */
function writeInteger(buffer: Buffer, at: number, value: number): number {
  if (value < 1e8) return writeBelow1e8(buffer, at, value, 1);
  const high = Math.floor(value / 1e8);
  return writeBelow1e8(buffer, writeBelow1e8(buffer, at, high, 1), value - high * 1e8, 8);
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

/** A text cell, guarded against formulas, then quoted when it must be. */
function csvText(text: string): string {
  return csvField(neutralizeFormula(text));
}

function keepText(text: string): string {
  return text;
}

function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
