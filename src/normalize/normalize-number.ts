import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { digitPathKey, UNDECIDED } from './digit-path.js';
import { ASK_LIBRARY, fastNational, internationalFrom } from './fast-parse.js';
import {
  EMPTY_CODE,
  FOUND,
  foundKey,
  foundNumber,
  INVALID_NUMBER_CODE,
  NEEDS_COUNTRY_CODE,
  NOT_A_PHONE_NUMBER_CODE,
  resultOf,
} from './found-number.js';
import { EMPTY, INVALID_NUMBER, NEEDS_COUNTRY, NOT_A_PHONE_NUMBER, type NormalizeResult } from './normalize-result.js';
import { isDigits, startsWithTel, stripSeparators, trimmed } from './separators.js';

export type { InvalidReason, NormalizeResult } from './normalize-result.js';
export { LAST_REASON_CODE, reasonOfCode } from './found-number.js';

/**
 * Normalizes one phone number to E.164. libphonenumber-js with its `max` metadata is the source
 * of truth for validity: the `min` metadata accepts malformed numbers, and every wrongly
 * accepted number is paid for.
 *
 * Rules, in order: text with `+` (or `tel:+`) is international. With no region, a leading `00`
 * is the international prefix and bare digits (8 to 15, separators allowed) are international
 * with a dropped `+`. With a region, the text is first read as that region's number, and when
 * that is not valid, text starting with `00` or made of bare digits is tried as international.
 * Extensions are dropped.
 */
export function normalizeNumber(raw: string, region?: CountryCode): NormalizeResult {
  return resultOf(normalizeToStatus(raw, region));
}

/**
 * normalizeNumber's answer as one number: the valid number's float64 key (its digits as a
 * number, what e164ToKey reads from its E.164 string; > 0), or minus the reason's code
 * (found-number.ts: EMPTY_CODE...). The input worker's entry: no E.164 string, no result object.
 */
export function normalizeToKey(raw: string, region?: CountryCode): number {
  // A plain spelling of a valid number is found on its digits (digit-path.ts); the rest as before.
  const key = digitPathKey(raw, region);
  return key !== UNDECIDED ? key : normalizeToKeyByStrings(raw, region);
}

/** normalizeToKey without the digit path: for text it has already left undecided (digitPathKeyIn). */
export function normalizeToKeyByStrings(raw: string, region?: CountryCode): number {
  const status = normalizeToStatus(raw, region);
  return status === FOUND ? foundKey() : status;
}

/** The rules below, answered as a status (found-number.ts). */
function normalizeToStatus(raw: string, region: CountryCode | undefined): number {
  // Most rows of real lists are E.164 already: `+` and digits go straight to the fast path. The
  // length first: charCodeAt past the end made the optimized worker loop start over (twice).
  if (raw.length > 0 && raw.charCodeAt(0) === 43 && isDigits(raw, 1)) {
    const fast = internationalFrom(raw, 1);
    if (fast !== ASK_LIBRARY) return fast;
  }
  return normalizeFast(raw, region);
}

/**
 * normalizeWith's rules with the fast readers, written out: each text is stripped of its
 * separators once, its digits tested once, and the international reading of `00...` and of bare
 * digits reads the compact digits as they are (normalizeWith builds `+...` and strips it again).
 * The differential tests hold it equal to normalizeNumberByLibrary.
 */
function normalizeFast(raw: string, region: CountryCode | undefined): number {
  let text = trimmed(raw);
  if (text.length === 0) return EMPTY_CODE;
  if (startsWithTel(text, 0, text.length)) text = text.slice(4).trim();
  if (!hasDigit(text)) return NOT_A_PHONE_NUMBER_CODE;
  if (text.charCodeAt(0) === 43) return international(text); // +
  const compact = stripSeparators(text);
  const digits = isDigits(compact);
  if (region) {
    const national = digits ? fastNational(compact, region) : ASK_LIBRARY;
    if (national === ASK_LIBRARY) {
      const byLibrary = nationalByLibrary(text, compact, region);
      if (byLibrary?.ok) return foundE164(byLibrary.e164);
    } else if (national === FOUND) return FOUND;
  }
  if (digits) {
    // The digits after `00`, or all of them, read where they stand: no `+...` string is built
    // unless the library must read it.
    if (compact.startsWith('00')) return internationalDigits(compact, 2);
    // A leading 0 is a trunk prefix: a national number, which needs a country to be read.
    if (!region && compact.length >= 2 && compact.charCodeAt(0) === 48) return NEEDS_COUNTRY_CODE;
    if (compact.length >= 8 && compact.length <= 15) return internationalDigits(compact, 0);
  }
  return /^[\d+*#]+$/.test(compact) ? INVALID_NUMBER_CODE : NOT_A_PHONE_NUMBER_CODE;
}

/**
 * The same rules with libphonenumber-js alone, no fast path: the reference that the differential
 * test and the benchmarks compare `normalizeNumber` against.
 */
export function normalizeNumberByLibrary(raw: string, region?: CountryCode): NormalizeResult {
  return normalizeWith(raw, region, internationalByLibrary, nationalByLibrary);
}

type Reader = (text: string, compact: string, region: CountryCode) => NormalizeResult | undefined;

function normalizeWith(
  raw: string,
  region: CountryCode | undefined,
  international: (text: string) => NormalizeResult,
  nationalNumber: Reader,
): NormalizeResult {
  let text = raw.trim();
  if (text.length === 0) return EMPTY;
  if (startsWithTel(text, 0, text.length)) text = text.slice(4).trim();
  if (!hasDigit(text)) return NOT_A_PHONE_NUMBER;
  if (text.charCodeAt(0) === 43) return international(text); // +
  const compact = stripSeparators(text);
  if (region) {
    const national = nationalNumber(text, compact, region);
    if (national) return national;
  }
  const digits = isDigits(compact);
  if (digits && compact.startsWith('00')) return international(`+${compact.slice(2)}`);
  // A leading 0 is a trunk prefix: a national number, which needs a country to be read.
  if (!region && digits && compact.length >= 2 && compact.charCodeAt(0) === 48) return NEEDS_COUNTRY;
  if (digits && compact.length >= 8 && compact.length <= 15) return international(`+${compact}`);
  return /^[\d+*#]+$/.test(compact) ? INVALID_NUMBER : NOT_A_PHONE_NUMBER;
}

/** /\d/ */
function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) return true;
  }
  return false;
}

/** Text starting with `+`, separators allowed. */
function international(text: string): number {
  // `+`, then digits and separators only (at least one): the shape the fast path reads.
  if (text.length > 1) {
    // `+` and digits only (`tel:+41...`, E.164 with spaces around): the text is its own e164.
    if (isDigits(text, 1)) return orLibrary(internationalFrom(text, 1), text);
    // Stripped from after the `+`: 12 digits stay a flat string, where `+` and 12 digits would
    // be a rope that every later read goes through (the spaced international spellings of the
    // CRM list measured ~620 -> ~690 ns a row that way).
    const digits = stripSeparators(text, 1);
    if (digits.length === 0) return INVALID_NUMBER_CODE; // no digits: as libphonenumber, no number
    if (isDigits(digits)) return orLibrary(internationalFrom(digits, 0), text);
  }
  return internationalByLibraryStatus(text);
}

/** `+` and the digits of `compact` from `from` on (all digits). */
function internationalDigits(compact: string, from: number): number {
  const status = compact.length > from ? internationalFrom(compact, from) : ASK_LIBRARY;
  return status === ASK_LIBRARY ? internationalByLibraryStatus(`+${compact.slice(from)}`) : status;
}

/** A fast status, or the library's reading of `text` when the fast path gave up. */
function orLibrary(status: number, text: string): number {
  return status === ASK_LIBRARY ? internationalByLibraryStatus(text) : status;
}

function internationalByLibraryStatus(text: string): number {
  const result = internationalByLibrary(text);
  return result.ok ? foundE164(result.e164) : INVALID_NUMBER_CODE;
}

/** Records the library's E.164 answer as the number found. */
function foundE164(e164: string): number {
  return foundNumber('', e164, 1);
}

const nationalByLibrary: Reader = (text, _compact, region) => {
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: region, extract: false });
  return parsed?.isValid() ? { ok: true, e164: parsed.number } : undefined;
};

/** The reference: libphonenumber-js itself, for what the fast path does not read. */
function internationalByLibrary(text: string): NormalizeResult {
  const parsed = parsePhoneNumberFromString(text, { extract: false });
  if (parsed?.isValid()) return { ok: true, e164: parsed.number };
  return INVALID_NUMBER;
}

/** A row's region: ISO 3166 alpha-2, any case; anything else is no region. */
export function toRegion(value: string | undefined): CountryCode | undefined {
  if (!value) return undefined;
  // The common case, two ASCII characters, by their codes: no string hashing per row.
  if (value.length === 2) {
    const first = value.charCodeAt(0);
    const second = value.charCodeAt(1);
    if (first < 128 && second < 128) {
      const slot = first * 128 + second;
      let known = twoCharRegions[slot];
      if (known === undefined) known = twoCharRegions[slot] = regionOf(value) ?? null;
      return known ?? undefined;
    }
  }
  // A country column holds few distinct values: remember them (boundedly).
  let region = regionCache.get(value);
  if (region === undefined && !regionCache.has(value)) {
    region = regionOf(value);
    if (regionCache.size < 10_000) regionCache.set(value, region);
  }
  return region;
}

function regionOf(value: string): CountryCode | undefined {
  const code = value.trim().toUpperCase();
  return code.length === 2 && isSupportedCountry(code) ? code : undefined;
}

const regionCache = new Map<string, CountryCode | undefined>();
/** Regions of two-ASCII-character values, by (first code * 128 + second); null: not a region. */
const twoCharRegions: Array<CountryCode | null | undefined> = new Array(128 * 128);
