/** Why a row's text is not a number we can check. Stable values, shown in the `reason` column. */
export type InvalidReason = 'empty' | 'not_a_phone_number' | 'invalid_number' | 'needs_country';

export type NormalizeResult = { ok: true; e164: string } | { ok: false; reason: InvalidReason };

/*
 * The invalid answers, one object each: normalizing is per row, and an object less per row is
 * work the garbage collector does not do.
 */
export const INVALID_NUMBER: NormalizeResult = { ok: false, reason: 'invalid_number' };
export const EMPTY: NormalizeResult = { ok: false, reason: 'empty' };
export const NOT_A_PHONE_NUMBER: NormalizeResult = { ok: false, reason: 'not_a_phone_number' };
export const NEEDS_COUNTRY: NormalizeResult = { ok: false, reason: 'needs_country' };
