/**
 * What may stand between the digits of a phone number: white space (JavaScript's `\s`), `(`, `)`,
 * `.`, `-`, `/`. The same set as /[\s().\-/\u00a0]/, without a regular expression: stripping
 * with `replace` cost ~200 ns a number, most of what normalizing a spelled-out number costs.
 */
export function isSeparator(code: number): boolean {
  if (code <= 0x2f)
    return (
      code === 0x20 ||
      (code >= 0x09 && code <= 0x0d) ||
      code === 0x28 ||
      code === 0x29 ||
      (code >= 0x2d && code <= 0x2f)
    );
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** White space as `String.prototype.trim` and `\s` know it: the separators other than `(`, `)`, `.`, `-`, `/`. */
export function isWhiteSpace(code: number): boolean {
  return code !== 0x28 && code !== 0x29 && (code < 0x2d || code > 0x2f) && isSeparator(code);
}

/**
 * `text.trim()`, without the call when neither end is white space (nearly every cell): the
 * builtin cost ~55 ns a call even when it had nothing to remove.
 */
export function trimmed(text: string): string {
  const last = text.length - 1;
  if (last < 0 || (!isWhiteSpace(text.charCodeAt(0)) && !isWhiteSpace(text.charCodeAt(last)))) return text;
  return text.trim();
}

/** `text` from `start` without its separators; the text itself when it has none. */
export function stripSeparators(text: string, start = 0): string {
  let out = '';
  let runStart = start;
  for (let i = start; i < text.length; i++) {
    if (!isSeparator(text.charCodeAt(i))) continue;
    if (i > runStart) out += text.slice(runStart, i);
    runStart = i + 1;
  }
  if (runStart === start) return start === 0 ? text : text.slice(start);
  return runStart < text.length ? out + text.slice(runStart) : out;
}

/** Whether `text` holds ASCII digits only from `from` on, and at least one. */
export function isDigits(text: string, from = 0): boolean {
  if (text.length <= from) return false;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * /^tel:/i at `at`, before `end` (ASCII letters only: a case-insensitive match without the u flag
 * folds no other). Both normalizers read it: the string path on trimmed text, the digit path where
 * the cell stands in its line.
 */
export function startsWithTel(text: string, at: number, end: number): boolean {
  return (
    end >= at + 4 &&
    (text.charCodeAt(at) | 0x20) === 0x74 &&
    (text.charCodeAt(at + 1) | 0x20) === 0x65 &&
    (text.charCodeAt(at + 2) | 0x20) === 0x6c &&
    text.charCodeAt(at + 3) === 0x3a
  );
}
