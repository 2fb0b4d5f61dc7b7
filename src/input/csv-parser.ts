import { malformed, type MalformedRow, type ParsedRow, recordOf } from './parsed-row.js';
import { type RowSink, type RowSpans, SpansSink } from './row-spans.js';
import { encodeRecord } from './source-record.js';

export { isMalformed, type MalformedRow, type ParsedRow } from './parsed-row.js';

// Hand-written, not @fast-csv/parse: reading is on the hot path of 10M-row runs, and this core with a per-line fast path reads 5-8x faster (npm run bench -- stages).

export interface CsvParserOptions {
  /** One character; `undefined` reads each line as one field (plain text lists). */
  delimiter: string | undefined;
  /**
   * Longest row, in characters. A longer line is one malformed row, skipped to its end in bounded
   * memory (the text past the limit is never kept), and parsing resumes at the next line.
   * @default 65_536
   */
  maxRowLength?: number;
  /**
   * Most line breaks inside one quoted row. A quote that stays open longer is taken as never
   * closed: its first line is one malformed row and parsing resumes at the next line, so a stray
   * quote costs one row and later rows keep their numbers.
   * @default 100
   */
  maxLineBreaksInQuotes?: number;
}

const QUOTE = 34; // "
const NEWLINE = 10;
const RETURN = 13;

/**
 * An RFC 4180 CSV parser core: feed it text, get rows, one per record (a blank line is a row with
 * no fields, so rows keep the numbers a person sees). It is lenient where files in the wild are
 * sloppy (a stray quote inside a field is kept as text) and never throws: a row it cannot read is
 * returned as a `MalformedRow` and the next line parses normally. Lines without quotes take a fast
 * path (`indexOf` and `split`), which is nearly all real rows; the bounds cost nothing there.
 */
export class CsvParser {
  readonly #delimiter: string | undefined;
  readonly #maxRowLength: number;
  readonly #maxLineBreaksInQuotes: number;
  #rest = '';
  /** Set while skipping the rest of a line longer than maxRowLength: the row reported at its end. */
  #skipping: MalformedRow | undefined;
  /** Set by project(): which fields of a row are made, by position, up to the last wanted. */
  #wanted: boolean[] | undefined;
  /** project()'s positions, the phone field's first. */
  #positions: readonly number[] = [];

  constructor(options: CsvParserOptions) {
    this.#delimiter = options.delimiter;
    this.#maxRowLength = options.maxRowLength ?? 65_536;
    this.#maxLineBreaksInQuotes = options.maxLineBreaksInQuotes ?? 100;
  }

  /**
   * From now on, rows without quotes get only the fields at `positions` (the others are holes):
   * a reader that needs two fields of many makes two strings, not one per field (10M rows of three
   * fields: ~2.4 s -> ~1 s). A row with fewer fields than the last wanted comes whole, so that
   * what is reported of it is the row as it was.
   */
  project(positions: readonly number[]): void {
    this.#wanted = Array.from({ length: Math.max(...positions) + 1 }, (_, position) => positions.includes(position));
    this.#positions = positions;
  }

  /** Characters held between pushes (an unended line): at most `maxRowLength`, whatever the input. */
  get bufferedLength(): number {
    return this.#rest.length;
  }

  /**
   * Parses `text` following what was pushed before; with `final`, also the last unended line.
   * With `records`, each row's whole text is pushed there too, as a source record (see
   * source-record.ts): for a comma-separated line without quotes, the line itself.
   */
  push(text: string, final: boolean, rows: ParsedRow[] = [], records?: string[]): ParsedRow[] {
    this.#parse(text, final, new RowsSink(rows, records, this.#delimiter, this.#wanted));
    return rows;
  }

  /**
   * push(), with the rows as positions in the text rather than strings (row-spans.ts): once
   * project() has named the phone (and country) field, for the input worker. With `records`,
   * every row's source record is its line, so only for comma-separated text (or none kept).
   */
  pushSpans(text: string, final: boolean, records: boolean): RowSpans {
    const [phone, country] = this.#positions;
    if (phone === undefined) throw new Error('pushSpans() needs project() first');
    if (records && this.#delimiter !== ',')
      throw new Error("a span's source record is its line: comma-separated text only");
    // Room for lines of 16 characters or more: a 64 KB piece of a CRM list (~30 a line) never grows.
    const sink = new SpansSink(this.#delimiter, phone, country, records, 16 + (text.length >> 4));
    this.#parse(text, final, sink);
    return sink.spans();
  }

  /** The parsing both push() and pushSpans() do: each line without quotes to `sink.line`, any other row to `sink.row`. */
  #parse(text: string, final: boolean, sink: RowSink): void {
    let data = text;
    let at = 0;
    if (this.#skipping) {
      const newline = text.indexOf('\n');
      if (newline === -1) {
        if (final) sink.row(this.#skipping);
        if (final) this.#skipping = undefined;
        return;
      }
      sink.row(this.#skipping);
      this.#skipping = undefined;
      at = newline + 1;
    } else if (this.#rest.length > 0) {
      data = this.#rest + text;
    }
    this.#rest = '';
    sink.text = data;
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
        if (end > start && data.charCodeAt(end - 1) === RETURN) end--;
        if (end - start > this.#maxRowLength) sink.row(malformed('row too long', data.slice(start, end)));
        else sink.line(start, end);
        continue;
      }
      const next = this.#quotedRow(data, at, final);
      if (next === -1) break; // the row continues in the next chunk
      at = next.end;
      sink.row(next.row);
    }
    if (at < length) {
      // A line past the limit with no end yet: report it at its end, and keep none of it meanwhile
      // (a 200 MB file without a newline is read in the memory of one chunk).
      if (length - at > this.#maxRowLength) this.#skipping = malformed('row too long', data.slice(at, at + 201));
      else this.#rest = data.slice(at);
    }
  }

  /** A row with quotes, from `start`. Returns -1 when it needs more text. */
  #quotedRow(data: string, start: number, final: boolean): { row: ParsedRow; end: number } | -1 {
    const delimiter = this.#delimiter!.charCodeAt(0);
    const fields: string[] = [];
    let field = '';
    let at = start;
    let fieldStart = true;
    let inQuotes = false;
    let lineBreaks = 0;
    const length = data.length;
    const last = start + this.#maxRowLength;
    while (at < length) {
      if (at > last) return this.#unclosed(data, start, final);
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
          // A quote closed on a later line must end its field; text after it means this quote
          // was another row's opening one, and the quote we opened never closed.
          if (lineBreaks > 0 && at < length) {
            const after = data.charCodeAt(at);
            if (after !== delimiter && after !== NEWLINE && after !== RETURN) return this.#unclosed(data, start, final);
          }
          continue;
        }
        const nextQuote = data.indexOf('"', at);
        const segmentEnd = nextQuote === -1 ? length : nextQuote;
        for (let newline = data.indexOf('\n', at); newline !== -1 && newline < segmentEnd; ) {
          if (++lineBreaks > this.#maxLineBreaksInQuotes) return this.#unclosed(data, start, final);
          newline = data.indexOf('\n', newline + 1);
        }
        if (segmentEnd > last) return this.#unclosed(data, start, final);
        if (nextQuote === -1) return final ? this.#unclosed(data, start, final) : -1;
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
      if (code === NEWLINE || code === RETURN) {
        const end = code === RETURN && data.charCodeAt(at + 1) === NEWLINE ? at + 2 : at + 1;
        if (code === RETURN && at + 1 >= length && !final) return -1;
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

  /**
   * A quote that never closed: its first line is one malformed row, and parsing resumes at the
   * next line. -1 when that line has no end yet (push() then skips it as too long, if it is).
   */
  #unclosed(data: string, start: number, final: boolean): { row: ParsedRow; end: number } | -1 {
    const newline = data.indexOf('\n', start);
    if (newline === -1) return final ? { row: malformed('unclosed quote', data.slice(start)), end: data.length } : -1;
    const end = newline > start && data.charCodeAt(newline - 1) === RETURN ? newline - 1 : newline;
    return { row: malformed('unclosed quote', data.slice(start, end)), end: newline + 1 };
  }
}

/** push()'s rows: each a string array (the projected fields only, once project() was called). */
class RowsSink implements RowSink {
  text = '';
  readonly #rows: ParsedRow[];
  readonly #records: string[] | undefined;
  readonly #delimiter: string | undefined;
  readonly #wanted: boolean[] | undefined;

  constructor(
    rows: ParsedRow[],
    records: string[] | undefined,
    delimiter: string | undefined,
    wanted: boolean[] | undefined,
  ) {
    this.#rows = rows;
    this.#records = records;
    this.#delimiter = delimiter;
    this.#wanted = wanted;
  }

  line(start: number, end: number): void {
    const data = this.text;
    const delimiter = this.#delimiter;
    if (end === start) {
      this.#rows.push([]);
      this.#records?.push('');
    } else if (delimiter === undefined) this.row([data.slice(start, end)]);
    else {
      this.#rows.push(
        this.#wanted ? projected(data, start, end, delimiter, this.#wanted) : data.slice(start, end).split(delimiter),
      );
      this.#records?.push(
        delimiter === ',' ? data.slice(start, end) : encodeRecord(data.slice(start, end).split(delimiter)),
      );
    }
  }

  /** A row, and its source record when records are kept: a malformed row's is the text it has. */
  row(row: ParsedRow): void {
    this.#rows.push(row);
    this.#records?.push(recordOf(row));
  }
}

/** The wanted fields of the unquoted line data[start, end), in place; the whole row when it has too few fields. */
function projected(data: string, start: number, end: number, delimiter: string, wanted: readonly boolean[]): string[] {
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
