import type { CountryCode } from 'libphonenumber-js/max';
import { e164ToKey } from '../../src/dedupe/number-table.js';
import { type NormalizeResult, normalizeToKey, reasonOfCode } from '../../src/normalize/normalize-number.js';

/**
 * How normalizeToKey(text, region) differs from `expected` (normalizeNumber's answer for the same
 * text): it must be e164ToKey of the E.164 string, or minus the code of the same reason. Undefined
 * when they agree.
 */
export function keyMismatch(
  text: string,
  region: CountryCode | undefined,
  expected: NormalizeResult,
): string | undefined {
  const key = normalizeToKey(text, region);
  if (expected.ok) {
    const wanted = e164ToKey(expected.e164);
    return key === wanted ? undefined : `${text} (${region}): key ${key} vs ${wanted} (${expected.e164})`;
  }
  const reason = key < 0 ? reasonOfCode(key) : `key ${key}`;
  return reason === expected.reason ? undefined : `${text} (${region}): ${reason} vs ${expected.reason}`;
}
