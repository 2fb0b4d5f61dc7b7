import { describe, expect, test } from 'vitest';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizeNumber, toRegion } from '../src/normalize/normalize-number.js';

// A table of spellings per country: [text, region, expected E.164 or invalid reason].
const SPELLINGS: Array<[string, CountryCode | undefined, string]> = [
  // Switzerland
  ['+41798284651', undefined, '+41798284651'],
  ['+41 79 828 46 51', undefined, '+41798284651'],
  ['tel:+41-79-828-46-51', undefined, '+41798284651'],
  ['0041 79 828 46 51', undefined, '+41798284651'],
  ['41798284651', undefined, '+41798284651'],
  ['079 828 46 51', 'CH', '+41798284651'],
  ['0041798284651', 'CH', '+41798284651'],
  ['41798284651', 'CH', '+41798284651'],
  ['+41 79 828 46 51 ext. 12', undefined, '+41798284651'],
  ['079 828 46 51', undefined, 'needs_country'],
  // Germany, with a landline (WhatsApp Business runs on landlines too)
  ['+49 30 901820', undefined, '+4930901820'],
  ['030 901820', 'DE', '+4930901820'],
  ['0151 23456789', 'DE', '+4915123456789'],
  // United States: parentheses and the US international prefix 011
  ['(415) 555-2671', 'US', '+14155552671'],
  ['+1 (415) 555-2671', undefined, '+14155552671'],
  ['14155552671', undefined, '+14155552671'],
  ['011 41 79 828 46 51', 'US', '+41798284651'],
  // Japan: the case the min metadata gets wrong
  ['090-1209-9772', 'JP', '+819012099772'],
  ['0081 90 1209 9772', 'JP', '+819012099772'],
  // United Kingdom and Brazil
  ['07400 123456', 'GB', '+447400123456'],
  ['+44 7400 123456', undefined, '+447400123456'],
  ['(11) 96123-4567', 'BR', '+5511961234567'],
  // Junk
  ['', undefined, 'empty'],
  ['   ', 'CH', 'empty'],
  ['n/a', undefined, 'not_a_phone_number'],
  ['call me', 'CH', 'not_a_phone_number'],
  ['+4179828465', undefined, 'invalid_number'],
  ['+999 123 456 789', undefined, 'invalid_number'],
  ['12345', undefined, 'invalid_number'],
  ['12345', 'CH', 'invalid_number'],
  ['1-800-FLOWERS', 'US', 'not_a_phone_number'],
];

describe('normalizeNumber()', () => {
  test.each(SPELLINGS)('%j with region %s -> %s', (text, region, expected) => {
    const result = normalizeNumber(text, region);
    expect(result.ok ? result.e164 : result.reason).toBe(expected);
  });
});

test('toRegion() - alpha-2 in any case, anything else is no region', () => {
  expect(toRegion('ch')).toBe('CH');
  expect(toRegion(' DE ')).toBe('DE');
  expect(toRegion('Switzerland')).toBeUndefined();
  expect(toRegion('XX')).toBeUndefined();
  expect(toRegion(undefined)).toBeUndefined();
  // Asked twice (the second answer is remembered), two-character values of every kind.
  for (let round = 0; round < 2; round++) {
    expect(toRegion('Ch')).toBe('CH');
    expect(toRegion('gb')).toBe('GB');
    expect(toRegion('XX')).toBeUndefined();
    expect(toRegion('1A')).toBeUndefined();
    expect(toRegion(' D')).toBeUndefined();
    expect(toRegion('ÇH')).toBeUndefined();
    expect(toRegion('\u0000')).toBeUndefined();
  }
});
