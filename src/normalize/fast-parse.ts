import { type CallingCodePlan, planFor, planForCode, type RegionRule, regionRule } from './compiled-metadata.js';
import { type FOUND, foundNumber, INVALID_NUMBER_CODE, resultOf } from './found-number.js';
import type { NormalizeResult } from './normalize-result.js';

/**
 * Fast paths for the two common shapes of phone text, each answering exactly what
 * libphonenumber-js answers with its `max` metadata (as a status, see found-number.ts), or
 * ASK_LIBRARY to let it decide.
 *
 * `fastInternational`: a `+` and digits (separators already removed). It replays, step for step, what libphonenumber-js does for such text
 * (`parsePhoneNumberFromString(text).isValid()` with the `max` metadata), with the metadata's
 * patterns compiled once per calling code instead of once per call:
 *
 * 1. the calling code is the first 1 to 3 digits that name one;
 * 2. when the national prefix for parsing could match, it is stripped as for national text
 *    (extractNational), giving up where a carrier code or transform rule would apply;
 * 3. among the regions sharing the calling code, the first whose leading digits match, or, for one
 *    without leading digits, whose number types match, owns the number;
 * 4. the number is valid when that region's (or the calling code's) types accept it, or its
 *    national number pattern when the metadata has no types.
 *
 * It answers `undefined` whenever it gives up; the caller then asks libphonenumber-js itself.
 * A differential test over more than a million numbers of every region holds the two equal.
 *
 * digit-path.ts replays internationalFrom, fastNational and the steps below on an array of
 * digits, step for step: a change here is a change there (test/digit-path.test.ts compares them).
 */
export function fastInternational(digits: string): NormalizeResult | undefined {
  const status = internationalFrom(digits, 0);
  return status === ASK_LIBRARY ? undefined : resultOf(status);
}

/**
 * fastInternational of the digits of `text` from `from` on, the text before them not read, as a
 * status (see found-number.ts). The number found is recorded as `text` from `from`: E.164 input
 * (`from` 1 after its `+`) costs no new string, nor its flattening later (`+` joined to 12+
 * digits makes a rope, which every later read copies).
 */
export function internationalFrom(text: string, from: number): FastStatus {
  // A calling code and a national significant number of 2 to 17 digits (libphonenumber's own
  // bounds): fewer than 3 digits are never a number.
  const digits = text.length - from;
  if (digits < 3) return INVALID_NUMBER_CODE;
  if (digits > 20) return ASK_LIBRARY;
  // No calling code starts with 0: the library finds none and answers no number (an invalid
  // national number with a trunk 0 is tried as international and lands here).
  if (text.charCodeAt(from) === 48) return INVALID_NUMBER_CODE;
  let code = 0;
  for (let length = 1; length <= 3 && length < digits; length++) {
    code = code * 10 + text.charCodeAt(from + length - 1) - 48;
    const plan = planForCode(code);
    if (plan === null) continue;
    const national = text.slice(from + length);
    if (national.length < 2 || national.length > 17) return ASK_LIBRARY;
    if (plan.prefixForParsing?.test(national)) {
      // Digits after the calling code that could be a national prefix (`+1 1...`, `+55 0...`):
      // the library strips it by the calling code's main plan, as for national text.
      const extracted = extractNational(national, plan.callingCodePlan, plan);
      return extracted === undefined ? ASK_LIBRARY : validity(plan, extracted, plan.callingCodePlan);
    }
    if (!mayBeValid(plan, national.length, plan.callingCodePlan)) return INVALID_NUMBER_CODE;
    if (!isValidFor(ownerAmong(plan, national) ?? plan.callingCodePlan, national)) return INVALID_NUMBER_CODE;
    return foundNumber('', text, from);
  }
  return INVALID_NUMBER_CODE; // no calling code: libphonenumber finds no number either
}

/**
 * `fastNational`: digits written nationally in `region` (separators removed), as
 * `parsePhoneNumberFromString(text, { defaultCountry: region })` reads them: no IDD prefix and no
 * leading calling code (it gives up on both), the national prefix stripped when the metadata's
 * rule is a plain prefix and the rest still has a possible length, then the owner region among
 * those sharing the calling code, then validity.
 */
export function fastNational(digits: string, region: string): FastStatus {
  if (digits.length < 3 || digits.length > 17) return ASK_LIBRARY;
  const rule = regionRule(region);
  if (!rule) return ASK_LIBRARY;
  const idd = rule.iddPrefix?.exec(digits);
  if (idd) {
    // An international number after the region's IDD prefix: read as `+` and the rest, unless
    // the rest starts with 0, where the library goes another way.
    const after = idd[0].length;
    return after === 0 || after === digits.length || digits.charCodeAt(after) === 48
      ? ASK_LIBRARY
      : internationalFrom(digits, after);
  }
  const plan = planFor(rule.callingCode)!;
  if (digits.startsWith(rule.callingCode)) {
    // The region's calling code without its `+`: the library takes it as such when the whole is
    // no national number but the rest is, or when the whole is too long.
    const shorter = digits.slice(rule.callingCode.length);
    const shorterNational = extractNational(shorter, rule, plan);
    const wholeNational = extractNational(digits, rule, plan);
    if (shorterNational === undefined || wholeNational === undefined) return ASK_LIBRARY;
    // The length first: the cheaper test, and the usual answer (`44 7400 123456` is too long for GB).
    const takeCode =
      checkLength(wholeNational.length, rule) === 'TOO_LONG' ||
      (!rule.nationalPattern.test(wholeNational) && rule.nationalPattern.test(shorterNational));
    if (!takeCode) return validity(plan, wholeNational, rule);
    // Read by the calling code's plan, which is the region's own for its main region (GB of +44).
    const national =
      plan.callingCodePlan === rule ? shorterNational : extractNational(shorter, plan.callingCodePlan, plan);
    return national === undefined ? ASK_LIBRARY : validity(plan, national, plan.callingCodePlan);
  }
  const national = extractNational(digits, rule, plan);
  return national === undefined ? ASK_LIBRARY : validity(plan, national, rule);
}

/** The fast paths gave up: libphonenumber-js must answer. */
export const ASK_LIBRARY = -9;

/** libphonenumber's answer (FOUND, or INVALID_NUMBER_CODE when it has none), or ASK_LIBRARY. */
type FastStatus = typeof FOUND | typeof INVALID_NUMBER_CODE | typeof ASK_LIBRARY;

/** The owner region's validity, or the fallback plan's when no region owns the number. */
function validity(plan: CallingCodePlan, national: string, fallback: RegionRule): FastStatus {
  if (national.length < 2 || national.length > 17) return ASK_LIBRARY;
  if (!mayBeValid(plan, national.length, fallback)) return INVALID_NUMBER_CODE;
  const owner = ownerAmong(plan, national) ?? fallback;
  return isValidFor(owner, national) ? foundNumber(fallback.callingCode, national, 0) : INVALID_NUMBER_CODE;
}

/**
 * Whether a national number of `length` digits may be valid for whichever region owns it (one of
 * the plan's, or `fallback`): when none has a type of that length, it is invalid, and who owns it
 * need not be asked. That question is the dear one for a national reading bound to fail (`00...`
 * read as a US number: 24 regions' leading digits, each a call into the regexp engine).
 */
export function mayBeValid(plan: CallingCodePlan, length: number, fallback: RegionRule): boolean {
  return plan.validLengths[length] === 1 || fallback.validLengths[length] === 1;
}

/**
 * libphonenumber's extractNationalNumber with `selected` as the numbering plan: the national
 * prefix is stripped unless that turns a national number into none, or leaves an impossible
 * length. Undefined when a carrier code or transform rule would apply.
 */
function extractNational(digits: string, selected: RegionRule, plan: CallingCodePlan): string | undefined {
  const prefix = selected.prefixForParsing?.exec(digits);
  if (!prefix || prefix[0].length === 0) return digits;
  // With its last group matched, the prefix carries a carrier code or feeds a transform rule:
  // the library's to handle. Otherwise it is stripped as it stands, as the library does.
  if (prefix.length > 1 && prefix[prefix.length - 1]) return undefined;
  const after = digits.slice(prefix[0].length);
  if (selected.nationalPattern.test(digits) && !selected.nationalPattern.test(after)) return digits;
  if (!selected.possibleLengths) return after;
  const length = checkLength(after.length, ownerAmong(plan, after) ?? selected);
  return length === 'TOO_SHORT' || length === 'INVALID_LENGTH' ? digits : after;
}

/** libphonenumber's getCountryByCallingCode. */
function ownerAmong(plan: CallingCodePlan, national: string): RegionRule | undefined {
  const { countries } = plan;
  // A loop, not find(): no closure made per number for the calling codes of several regions.
  for (let i = 0; i < countries.length; i++) {
    if (countries.length === 1 || owns(countries[i]!, national)) return countries[i];
  }
  return undefined;
}

/** libphonenumber's checkNumberLength, without a number type, of a national number of `length` digits. */
export function checkLength(
  length: number,
  region: RegionRule,
): 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH' {
  const lengths = region.possibleLengths;
  if (!lengths) return 'IS_POSSIBLE';
  if (lengths[0] === length) return 'IS_POSSIBLE';
  if (lengths[0]! > length) return 'TOO_SHORT';
  if (lengths[lengths.length - 1]! < length) return 'TOO_LONG';
  return lengths.indexOf(length, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

/** libphonenumber's getCountryByNationalNumber, for one candidate region. */
function owns(region: RegionRule, national: string): boolean {
  if (region.leadingDigits) {
    const starts = region.leadingStarts;
    if (starts !== undefined && national.length >= 3) {
      const first = national.charCodeAt(0) - 48;
      const second = national.charCodeAt(1) - 48;
      const third = national.charCodeAt(2) - 48;
      const digits = (first | second | third) >= 0 && first <= 9 && second <= 9 && third <= 9;
      if (digits && starts[first * 100 + second * 10 + third] === 0) return false;
    }
    return region.leadingDigits.test(national);
  }
  return hasType(region, national);
}

/** getNumberType(...) !== undefined: the national pattern matches, and so does a type that allows the length. */
function hasType(region: RegionRule, national: string): boolean {
  if (national === lastTyped.national && region === lastTyped.region) return lastTyped.answer;
  let test = region.typesByLength[national.length];
  if (test === undefined) test = region.typesByLength[national.length] = typesFor(region, national.length);
  // biome-ignore lint/complexity/useOptionalChain: a hot path; null is the only empty value here
  const answer = test !== null && test.test(national);
  lastTyped.region = region;
  lastTyped.national = national;
  lastTyped.answer = answer;
  return answer;
}

/**
 * hasType's last question and its answer: a national reading asks the same one up to three times
 * in a row (who owns the number, for its length check, then for its validity). fastNational on
 * the CRM list's GB national spellings: ~370 -> ~300 ns (best of 40 passes, alternated builds).
 */
const lastTyped: { region: RegionRule | undefined; national: string; answer: boolean } = {
  region: undefined,
  national: '',
  answer: false,
};

/**
 * One RegExp for hasType at one length: the national pattern as a lookahead, then the types that
 * allow the length as alternatives. One match instead of up to eleven (each a call into the
 * regexp engine): the fast path's largest cost. Which type matches does not matter here.
 */
function typesFor(region: RegionRule, length: number): RegExp | null {
  const types = region.types.filter((type) => !type.lengths || type.lengths.has(length));
  if (types.length === 0) return null;
  return new RegExp(`^(?=(?:${region.nationalSource})$)(?:${types.map((type) => `(?:${type.source})`).join('|')})$`);
}

/** isValidNumber for a selected plan. */
function isValidFor(region: RegionRule, national: string): boolean {
  return region.hasTypes ? hasType(region, national) : region.nationalPattern.test(national);
}
