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
