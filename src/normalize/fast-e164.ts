import { Metadata } from 'libphonenumber-js/max';

/**
 * A fast path for numbers written internationally: a `+` and digits (separators already
 * removed). It replays, step for step, what libphonenumber-js does for such text
 * (`parsePhoneNumberFromString(text).isValid()` with the `max` metadata), with the metadata's
 * patterns compiled once per calling code instead of once per call:
 *
 * 1. the calling code is the first 1 to 3 digits that name one;
 * 2. when the national prefix for parsing could match, it gives up (libphonenumber's prefix
 *    stripping rules are many, and such text is rare in international form);
 * 3. among the regions sharing the calling code, the first whose leading digits match, or, for one
 *    without leading digits, whose number types match, owns the number;
 * 4. the number is valid when that region's (or the calling code's) types accept it, or its
 *    national number pattern when the metadata has no types.
 *
 * It answers `undefined` whenever it gives up; the caller then asks libphonenumber-js itself.
 * A differential test over more than a million numbers of every region holds the two equal.
 */
export function fastInternational(digits: string): { valid: true; e164: string } | { valid: false } | undefined {
  // The national significant number must be 2 to 17 digits (libphonenumber's own bounds).
  if (digits.length < 3 || digits.length > 20 || digits.charCodeAt(0) === 48) return undefined;
  for (let length = 1; length <= 3 && length < digits.length; length++) {
    const plan = planFor(digits.slice(0, length));
    if (plan === null) continue;
    const national = digits.slice(length);
    if (national.length < 2 || national.length > 17) return undefined;
    if (plan.prefixForParsing?.test(national)) return undefined;
    const owner = plan.countries.length === 1 ? plan.countries[0] : plan.countries.find((country) => owns(country, national));
    return isValidFor(owner ?? plan.callingCodePlan, national) ? { valid: true, e164: `+${digits}` } : { valid: false };
  }
  return { valid: false }; // no calling code: libphonenumber finds no number either
}

interface TypeRule {
  pattern: RegExp;
  lengths: ReadonlySet<number> | undefined;
}

interface RegionRule {
  leadingDigits: RegExp | undefined;
  nationalPattern: RegExp;
  hasTypes: boolean;
  /** FIXED_LINE first, then the other types in libphonenumber's order. */
  types: TypeRule[];
}

interface CallingCodePlan {
  countries: RegionRule[];
  /** The plan libphonenumber selects by calling code when no region owns the number. */
  callingCodePlan: RegionRule;
  prefixForParsing: RegExp | undefined;
}

const TYPE_ORDER = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

/** The parts of libphonenumber-js's Metadata used here (its typings declare few of them). */
interface MetadataApi {
  hasCallingCode(code: string): boolean;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): MetadataApi;
  numberingPlan: {
    leadingDigits(): string | undefined;
    nationalNumberPattern(): string;
    nationalPrefixForParsing(): string | undefined;
    hasTypes(): boolean;
    type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
  };
}

const metadata = new Metadata() as unknown as MetadataApi;
const plans = new Map<string, CallingCodePlan | null>();

function planFor(callingCode: string): CallingCodePlan | null {
  let plan = plans.get(callingCode);
  if (plan === undefined) {
    plan = metadata.hasCallingCode(callingCode) ? compilePlan(callingCode) : null;
    plans.set(callingCode, plan);
  }
  return plan;
}

function compilePlan(callingCode: string): CallingCodePlan {
  const prefix = metadata.selectNumberingPlan(callingCode).numberingPlan.nationalPrefixForParsing();
  return {
    countries: (metadata.getCountryCodesForCallingCode(callingCode) ?? []).map(compileRegion),
    callingCodePlan: compileRegion(callingCode),
    prefixForParsing: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
  };
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
      types.push({ pattern: new RegExp(`^(?:${pattern})$`), lengths: lengths ? new Set(lengths) : undefined });
    }
  }
  return {
    leadingDigits: leading ? new RegExp(`^(?:${leading})`) : undefined,
    nationalPattern: new RegExp(`^(?:${plan.nationalNumberPattern()})$`),
    hasTypes: plan.hasTypes(),
    types,
  };
}

/** libphonenumber's getCountryByNationalNumber, for one candidate region. */
function owns(region: RegionRule, national: string): boolean {
  if (region.leadingDigits) return region.leadingDigits.test(national);
  return hasType(region, national);
}

/** getNumberType(...) !== undefined */
function hasType(region: RegionRule, national: string): boolean {
  if (!region.nationalPattern.test(national)) return false;
  for (const type of region.types) {
    if (type.lengths && !type.lengths.has(national.length)) continue;
    if (type.pattern.test(national)) return true;
  }
  return false;
}

/** isValidNumber for a selected plan. */
function isValidFor(region: RegionRule, national: string): boolean {
  return region.hasTypes ? hasType(region, national) : region.nationalPattern.test(national);
}
