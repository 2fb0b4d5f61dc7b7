import type { CountryCode } from 'libphonenumber-js/max';
import type { InputRow } from '../input/read-input.js';
import { digitPathKeyIn, UNDECIDED } from '../normalize/digit-path.js';
import {
  LAST_REASON_CODE,
  normalizeToKey,
  normalizeToKeyByStrings,
  reasonOfCode,
  toRegion,
} from '../normalize/normalize-number.js';
import { INVALID_REASONS } from './answer-state.js';

const REASON_CODES = new Map<string, number>(INVALID_REASONS.map((reason, code) => [reason, code]));
/** INVALID_REASONS' code of each of normalizeToKey's negative answers, by minus the answer. */
const REASON_OF_KEY_CODE = Uint8Array.from({ length: 1 - LAST_REASON_CODE }, (_, code) =>
  code === 0 ? 0 : REASON_CODES.get(reasonOfCode(-code))!,
);
const MALFORMED_ROW = REASON_CODES.get('malformed_row')!;
export const UNKNOWN_COUNTRY = REASON_CODES.get('unknown_country')!;

/**
 * Row `i`'s answer from its phone text and region: its number's float64 key in `keys`, straight
 * from the digits (no E.164 string nor result object per row), or why it has none in `reasons`
 * (an index into INVALID_REASONS).
 */
export function answerNumber(
  keys: Float64Array,
  reasons: Uint8Array,
  i: number,
  input: string,
  region: CountryCode | undefined,
): void {
  answerKey(keys, reasons, i, normalizeToKey(input, region));
}

/**
 * answerNumber() of the phone text text[start, end), read where it stands (a cell of its line):
 * a string is made for it only when the digit path leaves it to the string path.
 */
export function answerNumberIn(
  keys: Float64Array,
  reasons: Uint8Array,
  i: number,
  text: string,
  start: number,
  end: number,
  region: CountryCode | undefined,
): void {
  const key = digitPathKeyIn(text, start, end, region);
  answerKey(keys, reasons, i, key !== UNDECIDED ? key : normalizeToKeyByStrings(text.slice(start, end), region));
}

/** A normalizeToKey answer into row `i`'s key or reason. */
function answerKey(keys: Float64Array, reasons: Uint8Array, i: number, key: number): void {
  if (key > 0) keys[i] = key;
  else reasons[i] = REASON_OF_KEY_CODE[-key]!;
}

/** answerNumber() for an InputRow, which may already say why it has no number. */
export function answerRow(
  keys: Float64Array,
  reasons: Uint8Array,
  i: number,
  row: InputRow,
  country: CountryCode | undefined,
): void {
  if (row.malformed !== undefined) reasons[i] = MALFORMED_ROW;
  else if (row.unknownCountry !== undefined) reasons[i] = UNKNOWN_COUNTRY;
  else answerNumber(keys, reasons, i, row.input, toRegion(row.country) ?? country);
}
