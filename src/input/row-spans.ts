import { type ParsedRow, recordOf } from './parsed-row.js';

/**
 * Rows of one parsed text as positions in it rather than strings: what the input worker needs of
 * nearly every row of a CSV file (its phone and country cells to normalize, its line as the source
 * record) without a string array, a record string and a row object per row, nor joining and
 * encoding those strings again to send them (job/normalize-spans.ts encodes the text's rows once).
 * Rows that positions do not describe (quoted, too long, with too few fields) come parsed, as
 * push() gives them.
 */
export interface RowSpans {
  /** The text the positions are in. */
  text: string;
  /** Rows, parsed ones included. */
  count: number;
  /** Each row's line, without its line break: [lineStarts[i], lineEnds[i]) of `text`. */
  lineStarts: Uint32Array;
  lineEnds: Uint32Array;
  /** Each row's phone cell (empty for a blank line). */
  phoneStarts: Uint32Array;
  phoneEnds: Uint32Array;
  /** Each row's country cell; NO_CELL where there is none (no country column, a blank line). */
  countryStarts: Uint32Array;
  countryEnds: Uint32Array;
  /** The rows given parsed (their positions above mean nothing), by index, ascending. */
  parsedIndices: number[];
  parsedRows: ParsedRow[];
  /** With records: the parsed rows' source records, as push() keeps them. */
  parsedRecords: string[] | undefined;
}

/** A country cell's start where the row has none. */
export const NO_CELL = 0xffffffff;

/** Where the parser puts its rows (csv-parser.ts): lines without quotes by position, others parsed. */
export interface RowSink {
  /** The text `line` positions are in: set before the first line of each push. */
  text: string;
  /** A line without quotes, [start, end) of `text`, its line break excluded; empty for a blank line. */
  line(start: number, end: number): void;
  /** A row only the parser could read (quoted, malformed). */
  row(row: ParsedRow): void;
}

/** pushSpans()'s rows. */
export class SpansSink implements RowSink {
  text = '';
  #count = 0;
  #lineStarts: Uint32Array;
  #lineEnds: Uint32Array;
  #phoneStarts: Uint32Array;
  #phoneEnds: Uint32Array;
  #countryStarts: Uint32Array;
  #countryEnds: Uint32Array;
  readonly #parsedIndices: number[] = [];
  readonly #parsedRows: ParsedRow[] = [];
  readonly #parsedRecords: string[] | undefined;
  readonly #delimiter: string | undefined;
  readonly #phone: number;
  readonly #country: number;
  /** The last field position read: past it, a line's fields are not looked at. */
  readonly #last: number;

  /** `capacity`: the rows expected (the arrays grow past it). */
  constructor(
    delimiter: string | undefined,
    phone: number,
    country: number | undefined,
    records: boolean,
    capacity = 1024,
  ) {
    this.#lineStarts = new Uint32Array(capacity);
    this.#lineEnds = new Uint32Array(capacity);
    this.#phoneStarts = new Uint32Array(capacity);
    this.#phoneEnds = new Uint32Array(capacity);
    this.#countryStarts = new Uint32Array(capacity);
    this.#countryEnds = new Uint32Array(capacity);
    this.#delimiter = delimiter;
    this.#phone = phone;
    this.#country = country ?? -1;
    this.#last = Math.max(phone, this.#country);
    this.#parsedRecords = records ? [] : undefined;
  }

  line(start: number, end: number): void {
    if (this.#count === this.#lineStarts.length) this.#grow();
    const i = this.#count;
    const delimiter = this.#delimiter;
    this.#lineStarts[i] = start;
    this.#lineEnds[i] = end;
    this.#countryStarts[i] = NO_CELL;
    if (end === start) {
      // A blank line: an empty phone cell, no country.
      this.#phoneStarts[i] = start;
      this.#phoneEnds[i] = end;
      this.#count++;
      return;
    }
    if (delimiter === undefined) {
      // A one-field line (a text list): its field is the phone cell, and the country cell when
      // the country column is that one too; a field past the first is missing, as push() has it.
      if (this.#last > 0) {
        this.#parsed([this.text.slice(start, end)], undefined);
        return;
      }
      this.#phoneStarts[i] = start;
      this.#phoneEnds[i] = end;
      if (this.#country === 0) {
        this.#countryStarts[i] = start;
        this.#countryEnds[i] = end;
      }
      this.#count++;
      return;
    }
    const text = this.text;
    let fieldStart = start;
    for (let position = 0; ; position++) {
      const next = text.indexOf(delimiter, fieldStart);
      const fieldEnd = next === -1 || next > end ? end : next;
      if (position === this.#phone) {
        this.#phoneStarts[i] = fieldStart;
        this.#phoneEnds[i] = fieldEnd;
      }
      if (position === this.#country) {
        this.#countryStarts[i] = fieldStart;
        this.#countryEnds[i] = fieldEnd;
      }
      if (position === this.#last) break;
      if (fieldEnd === end) {
        // Fewer fields than the last one read: the whole row, as push() gives it.
        const line = text.slice(start, end);
        this.#parsed(line.split(delimiter), line);
        return;
      }
      fieldStart = fieldEnd + 1;
    }
    this.#count++;
  }

  row(row: ParsedRow): void {
    this.#parsed(row, undefined);
  }

  /** The rows pushed, their arrays cut to their count. */
  spans(): RowSpans {
    const count = this.#count;
    return {
      text: this.text,
      count,
      lineStarts: this.#lineStarts.subarray(0, count),
      lineEnds: this.#lineEnds.subarray(0, count),
      phoneStarts: this.#phoneStarts.subarray(0, count),
      phoneEnds: this.#phoneEnds.subarray(0, count),
      countryStarts: this.#countryStarts.subarray(0, count),
      countryEnds: this.#countryEnds.subarray(0, count),
      parsedIndices: this.#parsedIndices,
      parsedRows: this.#parsedRows,
      parsedRecords: this.#parsedRecords,
    };
  }

  /** A parsed row at the next index; its record is `line` (a comma-separated line) or its cells encoded. */
  #parsed(row: ParsedRow, line: string | undefined): void {
    if (this.#count === this.#lineStarts.length) this.#grow();
    this.#parsedIndices.push(this.#count++);
    this.#parsedRows.push(row);
    this.#parsedRecords?.push(line ?? recordOf(row));
  }

  #grow(): void {
    const grown = (array: Uint32Array) => {
      const larger = new Uint32Array(array.length * 2);
      larger.set(array);
      return larger;
    };
    this.#lineStarts = grown(this.#lineStarts);
    this.#lineEnds = grown(this.#lineEnds);
    this.#phoneStarts = grown(this.#phoneStarts);
    this.#phoneEnds = grown(this.#phoneEnds);
    this.#countryStarts = grown(this.#countryStarts);
    this.#countryEnds = grown(this.#countryEnds);
  }
}

/**
 * The rows of `spans` in batches of at most `rows`, each a view over the same text and arrays: a
 * 64 KB piece of blank lines is 65,536 rows, far more than a batch should hold.
 */
export function* spanBatches(spans: RowSpans, rows: number): Generator<RowSpans> {
  for (let first = 0; first < spans.count; first += rows)
    yield spanRange(spans, first, Math.min(spans.count, first + rows));
}

/** Rows [first, end) of `spans`: a view over the same text and arrays. */
export function spanRange(spans: RowSpans, first: number, end: number): RowSpans {
  const { parsedIndices } = spans;
  const from = firstAtOrAfter(parsedIndices, first);
  const to = firstAtOrAfter(parsedIndices, end);
  return {
    text: spans.text,
    count: end - first,
    lineStarts: spans.lineStarts.subarray(first, end),
    lineEnds: spans.lineEnds.subarray(first, end),
    phoneStarts: spans.phoneStarts.subarray(first, end),
    phoneEnds: spans.phoneEnds.subarray(first, end),
    countryStarts: spans.countryStarts.subarray(first, end),
    countryEnds: spans.countryEnds.subarray(first, end),
    parsedIndices: shifted(parsedIndices, from, to, first),
    parsedRows: spans.parsedRows.slice(from, to),
    parsedRecords: spans.parsedRecords?.slice(from, to),
  };
}

/**
 * indices[from, to), each less `by`, pushed into a new array: packed like the sink's own arrays
 * (`map()` makes a holey one), so that the worker's optimized loop meets one kind of array, not
 * two (each new kind sent it back to be compiled again).
 */
function shifted(indices: readonly number[], from: number, to: number, by: number): number[] {
  const result: number[] = [];
  for (let i = from; i < to; i++) result.push(indices[i]! - by);
  return result;
}

/** Where the first of the ascending `indices` at or after `value` is (their length when none is). */
export function firstAtOrAfter(indices: readonly number[], value: number): number {
  let low = 0;
  let high = indices.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (indices[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
