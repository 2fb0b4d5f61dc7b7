/** A row the parser could not read whole; it becomes a result with this reason, never a crash. */
export interface MalformedRow {
  malformed: string;
  /** The row's raw text, cut to a reasonable length. */
  text: string;
}

export type ParsedRow = string[] | MalformedRow;

export interface CsvParserOptions {
  /** One character; `undefined` reads each line as one field (plain text lists). */
  delimiter: string | undefined;
  /**
   * Longest row, in characters. A longer one (typically an unclosed quote swallowing the file)
   * is reported malformed and parsing resumes at the next line.
   * @default 65_536
   */
  maxRowLength?: number;
}

const QUOTE = 34; // "

/**
 * An RFC 4180 CSV parser core: feed it text, get rows. It is lenient where files in the wild are
 * sloppy (a stray quote inside a field is kept as text) and never throws: a row it cannot read
 * is returned as a `MalformedRow` and the next line parses normally. Blank lines are skipped.
 * Lines without quotes take a fast path (`indexOf` and `split`), which is nearly all real rows.
 */
export class CsvParser {
  readonly #delimiter: string | undefined;
  readonly #maxRowLength: number;
  #rest = '';
  /** Set by project(): which fields of a row are made, by position, up to the last wanted. */
  #wanted: boolean[] | undefined;

  constructor(options: CsvParserOptions) {
    this.#delimiter = options.delimiter;
    this.#maxRowLength = options.maxRowLength ?? 65_536;
  }

  /**
   * From now on, rows without quotes get only the fields at `positions` (the others are holes):
   * a reader that needs two fields of many makes two strings, not one per field (10M rows of three
   * fields: ~2.4 s -> ~1 s). A row with fewer fields than the last wanted comes whole, so that
   * what is reported of it is the row as it was.
   */
  project(positions: readonly number[]): void {
    this.#wanted = Array.from({ length: Math.max(...positions) + 1 }, (_, position) => positions.includes(position));
  }

  /** Parses `text` following what was pushed before; with `final`, also the last unended line. */
  push(text: string, final: boolean, rows: ParsedRow[] = []): ParsedRow[] {
    const data = this.#rest.length > 0 ? this.#rest + text : text;
    this.#rest = '';
    let at = 0;
    const length = data.length;
    // The next quote's position, searched again only once passed: one search per chunk when the
    // text has no quotes at all, instead of one per line.
    let quote = this.#delimiter === undefined ? -1 : data.indexOf('"', at);
    while (at < length) {
      const newline = data.indexOf('\n', at);
      if (quote !== -1 && quote < at) quote = data.indexOf('"', at);
      if (quote === -1 || (newline !== -1 && quote > newline)) {
        // No quote before the end of this line: the fast path.
        if (newline === -1 && !final) break;
        const start = at;
        let end = newline === -1 ? length : newline;
        at = end + 1;
        if (end > start && data.charCodeAt(end - 1) === 13) end--;
        if (end === start) continue;
        if (end - start > this.#maxRowLength) rows.push(malformed('row too long', data.slice(start, end)));
        else if (this.#delimiter === undefined) rows.push([data.slice(start, end)]);
        else if (this.#wanted) rows.push(this.#projected(data, start, end, this.#delimiter, this.#wanted));
        else rows.push(data.slice(start, end).split(this.#delimiter));
        continue;
      }
      const next = this.#quotedRow(data, at, final);
      if (next === -1) break; // the row continues in the next chunk
      at = next.end;
      if (next.row) rows.push(next.row);
    }
    if (at < length) {
      this.#rest = data.slice(at);
      if (this.#rest.length > this.#maxRowLength) {
        // An unclosed quote or a runaway line: report it and resume at the next line.
        const newline = this.#rest.indexOf('\n', this.#maxRowLength);
        if (newline !== -1) {
          rows.push(malformed('row too long or an unclosed quote', this.#rest.slice(0, newline)));
          const after = this.#rest.slice(newline + 1);
          this.#rest = '';
          return this.push(after, final, rows);
        }
      }
    }
    return rows;
  }

  /** The wanted fields of the unquoted line data[start, end), in place; the whole row when it has too few fields. */
  #projected(data: string, start: number, end: number, delimiter: string, wanted: readonly boolean[]): string[] {
    const row = new Array<string>(wanted.length);
    let fieldStart = start;
    for (let position = 0; ; position++) {
      const next = data.indexOf(delimiter, fieldStart);
      const fieldEnd = next === -1 || next > end ? end : next;
      if (wanted[position]) row[position] = data.slice(fieldStart, fieldEnd);
      if (position === wanted.length - 1) return row;
      if (fieldEnd === end) return data.slice(start, end).split(delimiter);
      fieldStart = fieldEnd + 1;
    }
  }

  /** A row with quotes, from `start`. Returns -1 when it needs more text. */
  #quotedRow(data: string, start: number, final: boolean): { row: ParsedRow | undefined; end: number } | -1 {
    const delimiter = this.#delimiter!.charCodeAt(0);
    const fields: string[] = [];
    let field = '';
    let at = start;
    let fieldStart = true;
    let inQuotes = false;
    const length = data.length;
    while (at < length) {
      const code = data.charCodeAt(at);
      if (inQuotes) {
        if (code === QUOTE) {
          if (data.charCodeAt(at + 1) === QUOTE) {
            field += '"';
            at += 2;
            continue;
          }
          if (at + 1 >= length && !final) return -1; // is the next char a quote? unknown yet
          inQuotes = false;
          at++;
          continue;
        }
        const nextQuote = data.indexOf('"', at);
        if (nextQuote === -1) {
          if (!final) return -1;
          const text = data.slice(start);
          return { row: malformed('unclosed quote', text), end: length };
        }
        field += data.slice(at, nextQuote);
        at = nextQuote;
        continue;
      }
      if (code === QUOTE && fieldStart) {
        inQuotes = true;
        fieldStart = false;
        at++;
        continue;
      }
      if (code === delimiter) {
        fields.push(field);
        field = '';
        fieldStart = true;
        at++;
        continue;
      }
      if (code === 10 || code === 13) {
        const end = code === 13 && data.charCodeAt(at + 1) === 10 ? at + 2 : at + 1;
        if (code === 13 && at + 1 >= length && !final) return -1;
        fields.push(field);
        return { row: fields, end };
      }
      // A stray quote in the middle of a field is kept as text.
      field += data[at];
      fieldStart = false;
      at++;
    }
    if (!final) return -1;
    fields.push(field);
    return { row: fields, end: length };
  }
}

function malformed(reason: string, text: string): MalformedRow {
  return { malformed: reason, text: text.length > 200 ? `${text.slice(0, 200)}…` : text };
}

export function isMalformed(row: ParsedRow): row is MalformedRow {
  return !Array.isArray(row);
}

const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'];

/**
 * Guesses the delimiter from a sample: the candidate found on most lines, the same number of
 * times on each. `undefined` when no candidate appears: a one-column file.
 */
export function sniffDelimiter(sample: string): string | undefined {
  const lines = sample.split(/\r?\n/).slice(0, 50);
  if (lines.length > 1) lines.pop(); // the last line may be cut
  const nonEmpty = lines.filter((line) => line.length > 0);
  let best: { delimiter: string; score: number } | undefined;
  for (const delimiter of CANDIDATE_DELIMITERS) {
    const counts = nonEmpty.map((line) => countOutsideQuotes(line, delimiter));
    const withIt = counts.filter((count) => count > 0);
    if (withIt.length === 0) continue;
    const mode = modeOf(withIt);
    const consistent = counts.filter((count) => count === mode).length;
    const score = consistent / nonEmpty.length + withIt.length / nonEmpty.length;
    if (!best || score > best.score) best = { delimiter, score };
  }
  return best?.delimiter;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let inQuotes = false;
  for (const char of line) {
    if (char === '"') inQuotes = !inQuotes;
    else if (char === delimiter && !inQuotes) count++;
  }
  return count;
}

function modeOf(values: number[]): number {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
}
