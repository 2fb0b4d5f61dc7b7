import { storedDfa, storedTypesDfa } from './automata-store.js';
import { type DigitDfa, leadingStarts } from './digit-automaton.js';
import { readMetadata } from './metadata-shape.js';

/*
 * libphonenumber-js's `max` metadata compiled for the fast path (fast-parse.ts): each region's and
 * calling code's patterns made into RegExps (and tables) once, on first use.
 */

export interface TypeRule {
  /** The metadata's pattern, as written. */
  source: string;
  lengths: ReadonlySet<number> | undefined;
}

export interface RegionRule {
  callingCode: string;
  leadingDigits: RegExp | undefined;
  leadingSource: string | undefined;
  /** By the national number's first three digits: 0 when leadingDigits cannot match (see digit-automaton.ts). */
  leadingStarts: Uint8Array | undefined;
  /** By national number length (0 to 17): 1 when this region's validity test may pass at that length. */
  validLengths: Uint8Array;
  /** The plan's possible lengths, for libphonenumber's checkNumberLength. */
  possibleLengths: readonly number[] | undefined;
  /** For numbers written nationally in this region: */
  iddPrefix: LeadingPattern | undefined;
  prefixForParsing: LeadingPattern | undefined;
  /** Their patterns as written (undefined when none). */
  iddSource: string | undefined;
  prefixSource: string | undefined;
  nationalPattern: RegExp;
  nationalSource: string;
  hasTypes: boolean;
  /** FIXED_LINE first, then the other types in libphonenumber's order. */
  types: TypeRule[];
  /** hasType's test by national number length, compiled on first use (see typesFor); null when no type allows the length. */
  typesByLength: Array<RegExp | null | undefined>;
  /** The same tests over digits (digit-path.ts), compiled on first use; null when a pattern has no DFA. */
  digitRule: DigitRule | null | undefined;
}

/**
 * A region's patterns as automata over digits (digit-automaton.ts), for the digit path: each
 * answers what the RegExp of the same pattern answers.
 */
export interface DigitRule {
  /** nationalPattern: a whole match. */
  national: DigitDfa;
  /** leadingDigits: a match of a prefix. */
  leading: DigitDfa | undefined;
  /**
   * hasType's test: the national pattern and the types, both, in one automaton whose accepting
   * bits say which types match (bit `i`: `types[i]`); null when the region has no types; built on
   * first use (see digitTypesOf).
   */
  types: DigitDfa | null | undefined;
  /** By national number length: the bits of the types that allow it. */
  typesAllowed: Uint32Array;
  /** The region's calling code, a digit each, and its plan. */
  callingCode: Uint8Array;
  plan: CallingCodePlan;
  /** The IDD prefix and the national prefix for parsing (undefined when the region has none). */
  iddPrefix: DigitPrefix | undefined;
  prefixForParsing: DigitPrefix | undefined;
}

/**
 * A prefix pattern (an IDD prefix, a national prefix for parsing) over digits, its top-level
 * alternatives in three automata: `plain` ones, whose match the digit path may take when exactly
 * one prefix of the number matches; and those it leaves to the string path when they match at
 * all, `grouped` (a capture group: a carrier code, a transform rule) and `anchored` (ending in
 * `$`: a whole-number match).
 */
export interface DigitPrefix {
  plain: DigitDfa | undefined;
  grouped: DigitDfa | undefined;
  anchored: DigitDfa | undefined;
}

/** A pattern matched at the start of the text: exec gives the match (and its groups). */
export interface LeadingPattern {
  test(text: string): boolean;
  exec(text: string): RegExpExecArray | null;
}

/**
 * Most prefixes in the metadata are plain digits (`0` for 96 regions, `00` as IDD): those are a
 * startsWith, not a call into the regexp engine; the others compile to a RegExp.
 */
function leadingPattern(source: string): LeadingPattern {
  return /^\d+$/.test(source) ? new DigitsPrefix(source) : new RegExp(`^(?:${source})`);
}

/**
 * A prefix of plain digits. A class, not an object of two closures: each call site then sees one
 * method (or RegExp's), which the compiler inlines, where closures made per prefix left the
 * calls megamorphic.
 */
class DigitsPrefix implements LeadingPattern {
  readonly #source: string;
  /** The match as exec gives it; callers only read it. */
  readonly #match: RegExpExecArray;

  constructor(source: string) {
    this.#source = source;
    this.#match = Object.assign([source], { index: 0, input: source, groups: undefined }) as RegExpExecArray;
  }

  test(text: string): boolean {
    return text.startsWith(this.#source);
  }

  exec(text: string): RegExpExecArray | null {
    return text.startsWith(this.#source) ? this.#match : null;
  }
}

export interface CallingCodePlan {
  countries: RegionRule[];
  /** prefixForParsing for the digit path: undefined when none, null when it has no DFA. */
  digitPrefix: DigitPrefix | null | undefined;
  /** The plan libphonenumber selects by calling code when no region owns the number. */
  callingCodePlan: RegionRule;
  prefixForParsing: LeadingPattern | undefined;
  /** By national number length: 1 when one of `countries` may be valid at that length. */
  validLengths: Uint8Array;
}

const TYPE_ORDER = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

// Internals of libphonenumber-js, its shape checked as the module loads: a changed shape fails
// here, loudly, instead of giving wrong answers.
const metadata = readMetadata();
/** Calling codes are 1 to 3 digits with no leading 0: plans by number, without string keys. */
const plansByCode: Array<CallingCodePlan | null | undefined> = new Array(1000);

export function planForCode(code: number): CallingCodePlan | null {
  let plan = plansByCode[code];
  if (plan === undefined) {
    plan = planFor(String(code));
    plansByCode[code] = plan;
  }
  return plan;
}

/** A calling code's compiled plan, or null when no region uses the code. */
export const planFor = compiledOnce((callingCode) =>
  metadata.hasCallingCode(callingCode) ? compilePlan(callingCode) : null,
);

/** Compiles each key once, on first use: the metadata's patterns become RegExps a single time. */
function compiledOnce<V>(compile: (key: string) => V): (key: string) => V {
  const compiled = new Map<string, V>();
  return (key) => {
    let value = compiled.get(key);
    if (value === undefined && !compiled.has(key)) {
      value = compile(key);
      compiled.set(key, value);
    }
    return value as V;
  };
}

function compilePlan(callingCode: string): CallingCodePlan {
  const prefix = metadata.selectNumberingPlan(callingCode).numberingPlan.nationalPrefixForParsing();
  const codes = metadata.getCountryCodesForCallingCode(callingCode) ?? [];
  // The regions' own rules (regionRule's), so that a region and its calling code's plan are one
  // object where they are one plan: hasType's remembered answer then serves both.
  const countries = codes.map((code) => regionRule(code) ?? compileRegion(code));
  const validLengths = new Uint8Array(18);
  for (const country of countries)
    for (let length = 0; length < 18; length++) validLengths[length]! |= country.validLengths[length]!;
  // libphonenumber selects the calling code's plan from its main region's metadata (all 206
  // geographic codes of the pinned version): the same rule, compiled once.
  const main = countries[0];
  const samePlan = main !== undefined && planSignature(callingCode) === planSignature(codes[0]!);
  return {
    countries,
    validLengths,
    callingCodePlan: samePlan ? main : compileRegion(callingCode),
    prefixForParsing: prefix ? leadingPattern(prefix) : undefined,
    digitPrefix: digitPrefix(prefix || undefined),
  };
}

/** Everything compileRegion reads of a numbering plan, as text: equal texts compile to equal rules. */
function planSignature(countryOrCallingCode: string): string {
  const plan = metadata.selectNumberingPlan(countryOrCallingCode).numberingPlan;
  const types = TYPE_ORDER.map((name) => {
    const type = plan.type(name);
    return type ? [type.pattern(), type.possibleLengths()] : null;
  });
  return JSON.stringify([
    plan.callingCode(),
    plan.IDDPrefix(),
    plan.nationalPrefixForParsing(),
    plan.nationalNumberPattern(),
    plan.possibleLengths(),
    plan.leadingDigits() || null,
    plan.hasTypes(),
    plan.hasTypes() ? types : null,
  ]);
}

function compileRegion(countryOrCallingCode: string): RegionRule {
  const plan = metadata.selectNumberingPlan(countryOrCallingCode).numberingPlan;
  const leading = plan.leadingDigits();
  const types: TypeRule[] = [];
  if (plan.hasTypes()) {
    for (const name of TYPE_ORDER) {
      const type = plan.type(name);
      const pattern = type?.pattern();
      if (!type || !pattern) continue;
      const lengths = type.possibleLengths();
      types.push({ source: pattern, lengths: lengths ? new Set(lengths) : undefined });
    }
  }
  const idd = plan.IDDPrefix();
  const prefix = plan.nationalPrefixForParsing();
  // A region without types is valid by its national pattern, at lengths this does not know.
  const validLengths = new Uint8Array(18).fill(plan.hasTypes() ? 0 : 1);
  for (const type of types)
    for (let length = 0; length < 18; length++) if (!type.lengths || type.lengths.has(length)) validLengths[length] = 1;
  return {
    callingCode: plan.callingCode(),
    leadingStarts: leading ? leadingStarts(leading) : undefined,
    validLengths,
    possibleLengths: plan.possibleLengths(),
    iddPrefix: idd ? leadingPattern(idd) : undefined,
    prefixForParsing: prefix ? leadingPattern(prefix) : undefined,
    iddSource: idd || undefined,
    prefixSource: prefix || undefined,
    leadingDigits: leading ? new RegExp(`^(?:${leading})`) : undefined,
    leadingSource: leading || undefined,
    nationalPattern: new RegExp(`^(?:${plan.nationalNumberPattern()})$`),
    nationalSource: plan.nationalNumberPattern(),
    hasTypes: plan.hasTypes(),
    types,
    typesByLength: [],
    digitRule: undefined,
  };
}

/** A prefix pattern for the digit path; null when one of its alternatives has no DFA. */
export function digitPrefix(source: string | undefined): DigitPrefix | null | undefined {
  if (source === undefined) return undefined;
  const plain: string[] = [];
  const grouped: string[] = [];
  const anchored: string[] = [];
  for (const alternative of topLevelAlternatives(source)) {
    if (alternative.endsWith('$')) anchored.push(alternative.slice(0, -1));
    else if (/\((?!\?)/.test(alternative)) grouped.push(alternative);
    else plain.push(alternative);
  }
  const dfaOf = (sources: string[]) => (sources.length === 0 ? undefined : (storedDfa(sources) ?? null));
  const prefix = { plain: dfaOf(plain), grouped: dfaOf(grouped), anchored: dfaOf(anchored) };
  if (prefix.plain === null || prefix.grouped === null || prefix.anchored === null) return null;
  return prefix as DigitPrefix;
}

/** A pattern's alternatives at its top level (outside groups and classes). */
function topLevelAlternatives(source: string): string[] {
  const alternatives: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) {
      alternatives.push(source.slice(start, i));
      start = i + 1;
    }
  }
  alternatives.push(source.slice(start));
  return alternatives;
}

/** A region's DigitRule, compiled on first use; null when one of its patterns has no DFA. */
export function digitRuleOf(rule: RegionRule): DigitRule | null {
  let digits = rule.digitRule;
  if (digits === undefined) digits = rule.digitRule = compileDigitRule(rule);
  return digits;
}

function compileDigitRule(rule: RegionRule): DigitRule | null {
  const national = storedDfa([rule.nationalSource]);
  if (!national) return null;
  let leading: DigitDfa | undefined;
  if (rule.leadingSource !== undefined) {
    leading = storedDfa([rule.leadingSource]);
    if (!leading) return null;
  }
  const iddPrefix = digitPrefix(rule.iddSource);
  const prefixForParsing = digitPrefix(rule.prefixSource);
  if (iddPrefix === null || prefixForParsing === null) return null;
  const typesAllowed = new Uint32Array(18);
  rule.types.forEach((type, index) => {
    for (let length = 0; length < 18; length++)
      if (!type.lengths || type.lengths.has(length)) typesAllowed[length]! |= 1 << index;
  });
  return {
    national,
    leading,
    types: undefined,
    typesAllowed,
    callingCode: Uint8Array.from(rule.callingCode, (digit) => digit.charCodeAt(0) - 48),
    plan: planFor(rule.callingCode)!,
    iddPrefix,
    prefixForParsing,
  };
}

/**
 * hasType's automaton (DigitRule.types), taken on first use from the automata built ahead
 * (automata-store.ts): one for all lengths, where one RegExp a length took one subset construction
 * a length. Undefined when a type's pattern has no DFA (the digit path then gives way).
 */
export function digitTypesOf(rule: RegionRule, digits: DigitRule): DigitDfa | null | undefined {
  let dfa = digits.types;
  if (dfa === undefined) {
    const typeSources = rule.types.map((type) => type.source);
    dfa = storedTypesDfa(rule.nationalSource, digits.national, typeSources);
    if (dfa === undefined) return undefined;
    digits.types = dfa;
  }
  return dfa;
}

/**
 * Compiles every calling code's regions' digit rules and types automata: what the build stores
 * (scripts/build-automata.mjs, automata-store.ts), so that no region's automata are built at run time.
 */
export function compileEveryDigitRule(): void {
  for (let code = 1; code < 1000; code++) {
    const plan = planForCode(code);
    if (!plan) continue;
    for (const rule of [...plan.countries, plan.callingCodePlan]) {
      const digits = digitRuleOf(rule);
      if (digits) digitTypesOf(rule, digits);
    }
  }
}

/** Rules of regions of two capital letters, by (first - 65) * 26 + (second - 65). */
const rulesByLetters: Array<RegionRule | null | undefined> = new Array(26 * 26);

/** regionRule() of a region, one of two capital letters (every CountryCode) by their codes: no string hashing per number. */
export function ruleOfRegion(region: string): RegionRule | null {
  const first = region.charCodeAt(0) - 65;
  const second = region.charCodeAt(1) - 65;
  if (region.length !== 2 || first < 0 || first > 25 || second < 0 || second > 25) return regionRule(region);
  const slot = first * 26 + second;
  let rule = rulesByLetters[slot];
  if (rule === undefined) rule = rulesByLetters[slot] = regionRule(region);
  return rule;
}

/** A region's compiled rule, or null for a region the metadata does not know. */
export const regionRule = compiledOnce((region) => (metadata.hasCountry(region) ? compileRegion(region) : null));
