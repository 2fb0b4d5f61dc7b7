/**
 * The digits of `text` from `start` to `end` as a number: two at a time, small-integer steps
 * rather than one float64 multiply-add a digit. Exact up to 15 digits (< 2^53); a number's key
 * (number-table.ts) joins its last eight digits to the rest with one multiply-add, so that every
 * way of making a key rounds the same way past 15 digits.
 */
export function digitsValue(text: string, start: number, end: number): number {
  let value = 0;
  let at = start;
  if ((end - start) & 1) {
    value = text.charCodeAt(start) - 48;
    at = start + 1;
  }
  for (; at < end; at += 2) value = value * 100 + text.charCodeAt(at) * 10 + text.charCodeAt(at + 1) - 528;
  return value;
}

/**
 * A number's key from its parts: its calling code when the digits do not hold it (else 0), and
 * its `count` other digits as the value of all but the last eight (`head`) and of the last eight
 * (`tail`; all of them when there are eight or fewer, `head` then 0). One multiply-add joins them,
 * so every way of making a key (e164ToKey, the normalizer's foundKey, the digit path) rounds the
 * same way past 15 digits.
 */
export function joinedKey(callingCode: number, count: number, head: number, tail: number): number {
  // One load of the table and one multiply-add whatever the length: a second site, first met
  // with a long number when the loop around it was already optimized, sent that loop back to be
  // compiled again. Up to eight digits `head` is 0 and the factor 1: the same value, exactly.
  const long = count > 8;
  const scaled = callingCode * POWERS_OF_TEN[long ? count - 8 : count]!;
  return (scaled + head) * (long ? 1e8 : 1) + tail;
}

const POWERS_OF_TEN = Array.from({ length: 21 }, (_, power) => 10 ** power);
