import { digitsValue, joinedKey } from '../dedupe/digits-value.js';
import {
  EMPTY,
  INVALID_NUMBER,
  type InvalidReason,
  NEEDS_COUNTRY,
  NOT_A_PHONE_NUMBER,
  type NormalizeResult,
} from './normalize-result.js';

/*
 * The normalizer's core (normalize-number.ts, fast-parse.ts) answers a status, not an object: FOUND
 * with the number described in `found`, or minus a reason's code. Its two entries then build what
 * their callers want from the same answer: normalizeNumber the E.164 string and a result object,
 * normalizeToKey the number's float64 key straight from the digits, so the input worker makes
 * neither the string (often a `+` joined to digits, a rope to flatten) nor the object per row.
 * 400k rows of the 2M CRM list, read and normalized as the worker does (normalizeRows, median of
 * 5 passes, 3 alternated runs): ~578 -> ~515 ms. normalizeNumber pays the record's indirection:
 * ~545 -> ~564 ns a row on the same rows (it no longer runs on the warm run's path).
 */

/** The core found a valid number: `found` describes it. */
export const FOUND = 0;
/** Minus these codes: why the text holds no valid number. */
export const EMPTY_CODE = -1;
export const NOT_A_PHONE_NUMBER_CODE = -2;
export const INVALID_NUMBER_CODE = -3;
export const NEEDS_COUNTRY_CODE = -4;
/** The last reason code: they run from -1 down to it. */
export const LAST_REASON_CODE = NEEDS_COUNTRY_CODE;

/** The results of the reason codes, by minus the code (at 0, FOUND's place, none: resultOf builds it). */
const RESULT_OF_CODE: readonly NormalizeResult[] = [
  INVALID_NUMBER,
  EMPTY,
  NOT_A_PHONE_NUMBER,
  INVALID_NUMBER,
  NEEDS_COUNTRY,
];

/**
 * The last number found: the calling code `prefix` (digits, or '' when `text` holds it), then the
 * digits of `text` from `from` to its end. One record rewritten per row: no object per number.
 */
const found = { prefix: '', text: '', from: 0 };

/** Records a found number; answers FOUND. */
export function foundNumber(prefix: string, text: string, from: number): typeof FOUND {
  found.prefix = prefix;
  found.text = text;
  found.from = from;
  return FOUND;
}

/** The result object of a core status, with the E.164 string of a number found. */
export function resultOf(status: number): NormalizeResult {
  return status === FOUND ? { ok: true, e164: foundE164() } : RESULT_OF_CODE[-status]!;
}

/** Why the text holds no number, for minus a reason's code (a negative normalizeToKey answer). */
export function reasonOfCode(code: number): InvalidReason {
  const result = RESULT_OF_CODE[-code];
  if (code >= FOUND || result === undefined || result.ok) throw new RangeError(`no reason has the code ${code}`);
  return result.reason;
}

/** The E.164 string of the number found: the text itself when it is `+` and the digits (E.164 input). */
function foundE164(): string {
  const { prefix, text, from } = found;
  if (prefix.length > 0) return `+${prefix}${from === 0 ? text : text.slice(from)}`;
  if (from === 1 && text.charCodeAt(0) === 43) return text;
  return `+${from === 0 ? text : text.slice(from)}`;
}

/**
 * The number found as its float64 key (the digits as a number), the same value e164ToKey
 * (dedupe/number-table.ts) reads from its E.164 string: the digits but the last eight, and the
 * last eight, each an exact integer, joined by one multiply-add (so one rounding, the same one,
 * past 15 digits).
 */
export function foundKey(): number {
  const { prefix, text, from } = found;
  let callingCode = 0;
  for (let i = 0; i < prefix.length; i++) callingCode = callingCode * 10 + prefix.charCodeAt(i) - 48;
  const end = text.length;
  const lowStart = Math.max(from, end - 8);
  return joinedKey(callingCode, end - from, digitsValue(text, from, lowStart), digitsValue(text, lowStart, end));
}
