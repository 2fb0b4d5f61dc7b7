/**
 * `1234567` -> `'1,234,567'`, as `toLocaleString('en-US')` writes it. Whole non-negative numbers
 * (every count the CLI prints) are grouped here: the first `toLocaleString` call of a process
 * loads ICU's number formatting, ~15 ms of a one-row job's start-up. Anything else goes to it.
 */
export function thousands(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0 || Object.is(value, -0)) return value.toLocaleString('en-US');
  const digits = String(value);
  let text = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let at = text.length; at < digits.length; at += 3) text += `,${digits.slice(at, at + 3)}`;
  return text;
}
