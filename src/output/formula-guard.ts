/**
 * Neutralizes a text cell that a spreadsheet would run as a formula (CSV injection): text that
 * begins with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`. Applied to every text column but
 * `number`, which is validated E.164 and must stay as it is.
 */
export function neutralizeFormula(text: string): string {
  if (text.length === 0) return text;
  const first = text.charCodeAt(0);
  // = + - @ \t \r
  if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13) return `'${text}`;
  return text;
}
