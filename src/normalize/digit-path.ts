import { joinedKey } from '../dedupe/digits-value.js';
import {
  type CallingCodePlan,
  type DigitPrefix,
  type DigitRule,
  digitRuleOf,
  digitTypesOf,
  planForCode,
  type RegionRule,
  ruleOfRegion,
} from './compiled-metadata.js';
import { matchesPrefix, matchesWhole, wholeMatches } from './digit-automaton.js';
import { checkLength, mayBeValid } from './fast-parse.js';
import { INVALID_NUMBER_CODE, NEEDS_COUNTRY_CODE } from './found-number.js';
import { isSeparator, isWhiteSpace, startsWithTel } from './separators.js';

/*
 * The digit path: the fast path's common answer, a valid number, found on an array of digits with
 * the metadata's patterns as automata over digits (digit-automaton.ts), where the string path
 * (normalize-number.ts, fast-parse.ts) strips separators into new strings, slices the national
 * number and calls the regexp engine up to four times. It reads only the plain spellings (digits
 * and separators, after white space, `tel:` and `+`) and answers only where the string path would
 * find a valid number, step for step as internationalFrom and fastNational take them; anywhere
 * else (an invalid number, a prefix that is a pattern, the calling code written nationally, a
 * pattern without an automaton) it answers UNDECIDED, and the string path reads the text.
 * normalizeToKey on 400k rows of a CRM-shaped list: see bench/README.md (issue #18).
 */

/** The digit path does not decide: the string path must read the text. */
export const UNDECIDED = 0;

/** More digits than the string path's fast readers take (internationalFrom: 20). */
const MAX_DIGITS = 20;
/** The text's digits, one a byte: rewritten for every text (one thread, no reentry). */
const digits = new Uint8Array(MAX_DIGITS);
/** How many texts the digits were read from: a new count, new digits (see lastTyped). */
let textRead = 0;

/**
 * normalizeToKey's answer for `raw` (read in `region` when it has no `+`): the key of the valid
 * number it spells (> 0), or why it has none where that is sure (a national number without a
 * region, digits no reading finds a number in: found-number.ts' codes); UNDECIDED when the
 * string path must answer.
 */
export function digitPathKey(raw: string, region: string | undefined): number {
  return digitPathKeyIn(raw, 0, raw.length, region);
}

/** digitPathKey of text[start, end): a phone cell read where it stands in its line, no string made for it. */
export function digitPathKeyIn(text: string, start: number, end: number, region: string | undefined): number {
  let at = start;
  while (at < end && isWhiteSpace(text.charCodeAt(at))) at++;
  if (startsWithTel(text, at, end)) {
    at += 4;
    while (at < end && isWhiteSpace(text.charCodeAt(at))) at++;
  }
  const plus = at < end && text.charCodeAt(at) === 43;
  if (plus) at++;
  let count = 0;
  for (; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code >= 48 && code <= 57) {
      if (count === MAX_DIGITS) return UNDECIDED;
      digits[count++] = code - 48;
    } else if (!isSeparator(code)) return UNDECIDED;
  }
  if (count === 0) return UNDECIDED;
  textRead++;
  // normalizeFast's readings (normalize-number.ts), in its order. Text with `+` is international,
  // whatever the region.
  if (plus) return decided(international(0, count));
  if (region) {
    // Read in the region first; only a number found invalid that way is read as international.
    const answer = national(count, region);
    if (answer !== INVALID) return answer > 0 ? answer : UNDECIDED;
  }
  if (digits[0] === 0 && count >= 2 && digits[1] === 0) {
    // `00` and the number (`00` alone: the string path asks the library).
    return count > 2 ? decided(international(2, count)) : UNDECIDED;
  }
  // A national number (trunk 0) without a region needs one: 2.8% of a CRM list's rows, which
  // the string path read again only to say so.
  if (!region && digits[0] === 0 && count >= 2) return NEEDS_COUNTRY_CODE;
  if (count >= 8 && count <= 15) return decided(international(0, count));
  // Digits only, and no reading found a number: the string path's last rule says invalid.
  return INVALID_NUMBER_CODE;
}

/**
 * An international reading's answer as normalizeToKey's: the key, INVALID_NUMBER_CODE where
 * internationalFrom finds no number (the string path answers so too), or UNDECIDED.
 */
function decided(answer: number): number {
  return answer === INVALID ? INVALID_NUMBER_CODE : answer;
}

/** A reading found no valid number where the string path's reading finds none either (fast-parse.ts' INVALID_NUMBER_CODE). */
const INVALID = -3;

/**
 * internationalFrom (fast-parse.ts) of digits[from, to): the number's key when it finds one valid,
 * INVALID where it finds none, UNDECIDED where it asks the library or an automaton is missing.
 */
function international(from: number, to: number): number {
  const count = to - from;
  if (count < 3 || digits[from] === 0) return INVALID;
  let code = 0;
  for (let length = 1; length <= 3 && length < count; length++) {
    code = code * 10 + digits[from + length - 1]!;
    const plan = planForCode(code);
    if (plan === null) continue;
    const start = from + length;
    const nationalLength = to - start;
    if (nationalLength < 2 || nationalLength > 17) return UNDECIDED;
    // A national prefix written after the calling code: the string path strips it.
    const prefix = plan.digitPrefix;
    if (prefix === null || (prefix !== undefined && prefixMatch(prefix, digits, start, to) !== NONE)) return UNDECIDED;
    if (!mayBeValid(plan, nationalLength, plan.callingCodePlan)) return INVALID;
    const owner = ownerAmong(plan, start, to);
    if (owner === UNKNOWN) return UNDECIDED;
    return validOrNot(isValidFor(owner ?? plan.callingCodePlan, start, to), 0, from, to);
  }
  return INVALID; // no calling code
}

/** A validity test's answer as a reading's: the key of digits[from, to) after `callingCode`, INVALID, or UNDECIDED. */
function validOrNot(valid: number, callingCode: number, from: number, to: number): number {
  return valid === YES ? keyOf(callingCode, from, to) : valid === NO ? INVALID : UNDECIDED;
}

/** fastNational (fast-parse.ts) of the `count` digits in `region`: as `international` answers. */
function national(count: number, region: string): number {
  if (count < 3 || count > 17) return UNDECIDED;
  const rule = ruleOfRegion(region);
  const digitRule = rule && digitRuleOf(rule);
  if (!rule || !digitRule) return UNDECIDED;
  const idd = digitRule.iddPrefix && prefixMatch(digitRule.iddPrefix, digits, 0, count);
  if (idd !== undefined && idd !== NONE) {
    // An international number after the IDD prefix; the string path's when the rest starts with 0.
    return idd === UNKNOWN || idd === count || digits[idd] === 0 ? UNDECIDED : international(idd, count);
  }
  const { plan } = digitRule;
  const code = digitRule.callingCode.length;
  if (startsWithDigits(digitRule.callingCode, 0, count)) {
    // The region's calling code without its `+`: taken as such when the whole is too long, or is
    // no national number where the rest is (`44 7400 123456` in GB).
    const shorter = nationalStart(code, count, rule, digitRule, plan);
    const whole = nationalStart(0, count, rule, digitRule, plan);
    if (shorter === UNKNOWN || whole === UNKNOWN) return UNDECIDED;
    const takeCode =
      checkLength(count - whole, rule) === 'TOO_LONG' ||
      (!matchesWhole(digitRule.national, digits, whole, count) &&
        matchesWhole(digitRule.national, digits, shorter, count));
    if (!takeCode) return validity(plan, whole, count, rule);
    // Read by the calling code's plan, which is the region's own for its main region.
    const main = plan.callingCodePlan;
    if (main === rule) return validity(plan, shorter, count, main);
    const mainRule = digitRuleOf(main);
    const start = mainRule ? nationalStart(code, count, main, mainRule, plan) : UNKNOWN;
    return start === UNKNOWN ? UNDECIDED : validity(plan, start, count, main);
  }
  const start = nationalStart(0, count, rule, digitRule, plan);
  return start === UNKNOWN ? UNDECIDED : validity(plan, start, count, rule);
}

/** validity (fast-parse.ts) of the national number digits[from, to), after `fallback`'s calling code. */
function validity(plan: CallingCodePlan, from: number, to: number, fallback: RegionRule): number {
  const length = to - from;
  if (length < 2 || length > 17) return UNDECIDED;
  if (!mayBeValid(plan, length, fallback)) return INVALID;
  const owner = ownerAmong(plan, from, to);
  if (owner === UNKNOWN) return UNDECIDED;
  return validOrNot(isValidFor(owner ?? fallback, from, to), Number(fallback.callingCode), from, to);
}

/**
 * extractNational (fast-parse.ts) of digits[from, to) by `rule`: where the national number
 * starts, or UNKNOWN where the string path must decide.
 */
function nationalStart(
  from: number,
  to: number,
  rule: RegionRule,
  digitRule: DigitRule,
  plan: CallingCodePlan,
): number {
  const match = digitRule.prefixForParsing ? prefixMatch(digitRule.prefixForParsing, digits, from, to) : NONE;
  if (match === NONE) return from;
  if (match === UNKNOWN) return UNKNOWN;
  const after = from + match;
  if (matchesWhole(digitRule.national, digits, from, to) && !matchesWhole(digitRule.national, digits, after, to))
    return from;
  if (!rule.possibleLengths) return after;
  const owner = ownerAmong(plan, after, to);
  if (owner === UNKNOWN) return UNKNOWN;
  const length = checkLength(to - after, owner ?? rule);
  return length === 'TOO_SHORT' || length === 'INVALID_LENGTH' ? from : after;
}

/** Answers of the tests below: YES, NO, or UNKNOWN when an automaton is missing. */
const YES = 1;
const NO = 0;
export const UNKNOWN = -1;
/** No prefix of the number matches. */
export const NONE = -2;

/**
 * A prefix pattern's match at the start of digits[from, to) (the RegExp's exec): its length, NONE,
 * or UNKNOWN where the string path must read it: an alternative with a group or a `$` matches, or
 * several prefixes of the number match (which one exec gives depends on the alternatives' order),
 * or the empty one does. One prefix matching is the one exec gives, whatever the order.
 */
export function prefixMatch(prefix: DigitPrefix, digits: Uint8Array, from: number, to: number): number {
  if (prefix.grouped && matchesPrefix(prefix.grouped, digits, from, to)) return UNKNOWN;
  if (prefix.anchored && matchesWhole(prefix.anchored, digits, from, to)) return UNKNOWN;
  const dfa = prefix.plain;
  if (!dfa) return NONE;
  const { next, accepting } = dfa;
  if (accepting[0] !== 0) return UNKNOWN;
  let length = NONE;
  let state = 0;
  for (let i = from; i < to; i++) {
    state = next[state * 10 + digits[i]!]!;
    if (state < 0) break;
    if (accepting[state] !== 0) {
      if (length !== NONE) return UNKNOWN;
      length = i + 1 - from;
    }
  }
  return length;
}

/** ownerAmong (fast-parse.ts) of digits[from, to): the region, none (undefined), or UNKNOWN. */
function ownerAmong(plan: CallingCodePlan, from: number, to: number): RegionRule | undefined | typeof UNKNOWN {
  const { countries } = plan;
  if (countries.length === 1) return countries[0];
  for (let i = 0; i < countries.length; i++) {
    const region = countries[i]!;
    const owns = ownsNumber(region, from, to);
    if (owns === UNKNOWN) return UNKNOWN;
    if (owns === YES) return region;
  }
  return undefined;
}

/** owns (fast-parse.ts): the region's leading digits start the number, or, without them, a type matches. */
function ownsNumber(region: RegionRule, from: number, to: number): number {
  const digitRule = digitRuleOf(region);
  if (!digitRule) return UNKNOWN;
  if (digitRule.leading) return matchesPrefix(digitRule.leading, digits, from, to) ? YES : NO;
  return hasType(region, digitRule, from, to);
}

/** isValidFor (fast-parse.ts). */
function isValidFor(region: RegionRule, from: number, to: number): number {
  const digitRule = digitRuleOf(region);
  if (!digitRule) return UNKNOWN;
  if (region.hasTypes) return hasType(region, digitRule, from, to);
  return matchesWhole(digitRule.national, digits, from, to) ? YES : NO;
}

/** hasType (fast-parse.ts): the national pattern matches, and so does a type allowing the length. */
function hasType(region: RegionRule, digitRule: DigitRule, from: number, to: number): number {
  // Asked again for the same digits (who owns the number, then whether it is valid): answered once.
  if (region === lastTyped.region && from === lastTyped.from && to === lastTyped.to && lastTyped.text === textRead)
    return lastTyped.answer;
  const types = digitTypesOf(region, digitRule);
  const allowed = digitRule.typesAllowed[to - from] ?? 0;
  const answer =
    types === undefined
      ? UNKNOWN
      : types !== null && (wholeMatches(types, digits, from, to) & allowed) !== 0
        ? YES
        : NO;
  lastTyped.region = region;
  lastTyped.from = from;
  lastTyped.to = to;
  lastTyped.text = textRead;
  lastTyped.answer = answer;
  return answer;
}

/** hasType's last question (a region and a range of the digits of the `textRead`-th text) and its answer. */
const lastTyped: { region: RegionRule | undefined; from: number; to: number; text: number; answer: number } = {
  region: undefined,
  from: 0,
  to: 0,
  text: -1,
  answer: NO,
};

/** Whether digits[from, to) starts with `prefix`. */
function startsWithDigits(prefix: Uint8Array, from: number, to: number): boolean {
  if (to - from < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (digits[from + i] !== prefix[i]) return false;
  return true;
}

/**
 * foundKey (found-number.ts) of the calling code `callingCode` (0: in the digits) and
 * digits[from, to): the same joins, so the same rounding past 15 digits.
 */
function keyOf(callingCode: number, from: number, to: number): number {
  const lowStart = Math.max(from, to - 8);
  return joinedKey(callingCode, to - from, digitsValueAt(from, lowStart), digitsValueAt(lowStart, to));
}

/** digits[from, to) as a number (exact: at most 12 digits here). */
function digitsValueAt(from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + digits[i]!;
  return value;
}
