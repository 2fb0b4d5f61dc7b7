import { chooseColumns, type ColumnChoice, type ColumnRef } from './columns.js';
import { CountryNames } from './country-names.js';
import { isMalformed, type ParsedRow, recordOf } from './parsed-row.js';
import { firstAtOrAfter, NO_CELL, type RowSpans, spanBatches, spanRange } from './row-spans.js';
import { sourceColumnNames } from './source-record.js';

/** One data row of the input, before normalization. */
export interface InputRow {
  /** The phone cell's text as it was (empty when the row had none). */
  input: string;
  /** The row's region, ISO 3166 alpha-2 in upper case, read from its country cell. */
  country: string | undefined;
  /** Set when the row itself could not be read: why. */
  malformed: string | undefined;
  /** Set when the row's country cell names no country we know: the cell as it was. */
  unknownCountry: string | undefined;
  /**
   * With `carryColumns`: all the row's cells as one comma-separated record (source-record.ts);
   * a malformed row's is the text it has. Undefined when nothing is carried.
   */
  source?: string | undefined;
}

/** One column a reader uses, and how it was found. */
export interface ColumnChosen {
  /** Its position; the first column is 1. */
  position: number;
  /** Its header cell, when the input has a header row. */
  header: string | undefined;
  /** `named`: the caller named it (`column`, `countryColumn`); `detected`: found by header or values. */
  how: 'named' | 'detected';
}

/**
 * The columns a file or byte stream is read by, reported once through `onColumns` before the
 * first row, e.g. for a CLI's "phone: column 2 'Mobile' (detected)". Iterables have none.
 */
export interface ColumnsChosen {
  /** Whether the first row was a header, skipped. */
  hasHeader: boolean;
  phone: ColumnChosen;
  /** The country column; undefined when there is none. */
  country: ColumnChosen | undefined;
}

export interface TabularOptions {
  /** The phone column: a header name or a position (the first column is 1). Detected otherwise. */
  column?: ColumnRef | undefined;
  /** The column with each row's country (alpha-2, alpha-3 or English name). Detected by header otherwise. */
  countryColumn?: ColumnRef | undefined;
  /** Called once, when the columns are chosen. */
  onColumns?: ((columns: ColumnsChosen) => void) | undefined;
  /**
   * Keep every cell of each row (`InputRow.source`), for output that carries the input's columns.
   * An input of one column (a text list) has nothing more than its phone cell, and carries nothing.
   * @default false
   */
  carryColumns?: boolean | undefined;
  /** With `carryColumns`, called once before the first row with the carried columns' names. */
  onSourceColumns?: ((names: string[]) => void) | undefined;
  /**
   * Internal: a CSV or text file's rows may come as positions (SpanBatch) once its columns are
   * chosen, for the input worker; readInput() itself always gives InputRows.
   * @default false
   */
  rowSpans?: boolean | undefined;
}

/** A batch of parsed rows, with each row's source record when the reader keeps them (CSV does). */
export type ParsedBatch = { rows: ParsedRow[]; records?: string[] | undefined } | { spans: RowSpans };

/**
 * Rows as positions in their text (row-spans.ts), once the columns are chosen: the phone cell,
 * the country cell (its region is not looked up yet), and with `carry` the line as the source
 * record; the rows only the parser could read are in `parsed`, made InputRows.
 */
export interface SpanBatch {
  spans: RowSpans;
  /** InputRows of spans.parsedRows, in the same order. */
  parsed: InputRow[];
  /** Whether each row's line is its source record (InputRow.source). */
  carry: boolean;
}

/** What a reader yields: InputRows, or (with `rowSpans`) rows as positions. */
export type InputBatch = InputRow[] | SpanBatch;

/**
 * Rows per batch of InputRows, from the reader to the job. Smaller batches keep fewer rows alive when the
 * input worker's young generation is collected (a scavenge copies what is alive): warm 2M CRM
 * rows, whole command, five runs alternated: 4096 -> 2048 rows 2.92 -> 2.73 s (mixed 1M rows
 * 1.64 -> 1.59 s); 1024 gained nothing more.
 */
export const BATCH_ROWS = 2048;
/**
 * Rows per SpanBatch at most: one is a parsed piece of text (~64 KB, ~2,000 rows of a CRM list),
 * cut only when its rows are tiny (a piece of blank lines is 65,536 rows), so that the batches
 * the input worker sends ahead stay small. Spans make no object per row to keep alive.
 */
const SPAN_BATCH_ROWS = 4 * BATCH_ROWS;
const SAMPLE_ROWS = 100;

/** What a tabular reader may add: a parser to narrow once columns are known, and cells that hold no value. */
export interface TabularHooks {
  chosen?: (choice: ColumnChoice) => void;
  /** Why a cell has no usable value (an error cell, a formula never computed), if so. */
  problemOf?: (row: string[], column: number) => string | undefined;
}

/**
 * Finds the columns from a sample of the first rows, then maps every row to an InputRow: one per
 * row after the header, blank rows included (they answer `empty`), so that a result's `row` is
 * the row a person sees. Blank rows above a header are not data rows.
 */
export async function* tabular(
  batches: AsyncIterable<ParsedBatch>,
  options: TabularOptions,
  hooks: TabularHooks = {},
): AsyncGenerator<InputBatch> {
  const countries = new CountryNames();
  const { problemOf } = hooks;
  let phone = 0;
  let country: number | undefined;
  let decided = false;
  let carry = false;
  const pending: ParsedRow[] = [];
  const pendingRecords: Array<string | undefined> = [];
  let out: InputRow[] = [];
  // Every row object gets its `source` in its literal (undefined when nothing is carried): one
  // shape for all, instead of a property added to millions of objects after they are made.
  const rowOf = (row: ParsedRow, record: string | undefined): InputRow => {
    const source = carry ? (record ?? recordOf(row)) : undefined;
    if (isMalformed(row))
      return { input: row.text, country: undefined, malformed: row.malformed, unknownCountry: undefined, source };
    if (row.length === 0)
      return { input: '', country: undefined, malformed: undefined, unknownCountry: undefined, source };
    const input = row[phone];
    if (input === undefined) {
      return {
        input: row.join(','),
        country: undefined,
        malformed: 'row has no phone column',
        unknownCountry: undefined,
        source,
      };
    }
    const problem = problemOf?.(row, phone);
    if (problem !== undefined)
      return { input, country: undefined, malformed: problem, unknownCountry: undefined, source };
    return withCountry(input, country === undefined ? undefined : row[country], countries, source);
  };
  const emit = (row: ParsedRow, record: string | undefined) => {
    out.push(rowOf(row, record));
  };
  const decide = () => {
    const sample = pending.filter((row): row is string[] => !isMalformed(row) && row.length > 0);
    const choice = chooseColumns(sample, options);
    decided = true;
    phone = choice.phone;
    country = choice.country;
    options.onColumns?.(describe(choice, sample[0], options));
    if (options.carryColumns) {
      const header = choice.hasHeader ? sample[0] : undefined;
      const width = Math.max(header?.length ?? 0, ...sample.slice(header ? 1 : 0).map((row) => row.length));
      carry = width > 1;
      if (carry) options.onSourceColumns?.(sourceColumnNames(header, width));
    }
    hooks.chosen?.(choice);
    let beforeHeader = choice.hasHeader;
    for (let i = 0; i < pending.length; i++) {
      const row = pending[i]!;
      if (beforeHeader && !isMalformed(row)) {
        if (row.length > 0) beforeHeader = false;
        continue;
      }
      emit(row, pendingRecords[i]);
    }
    pending.length = 0;
    pendingRecords.length = 0;
  };
  for await (const batch of batches) {
    if ('spans' in batch) {
      // Only once the columns are chosen (the parser is projected then); rows before go first.
      if (batch.spans.count === 0) continue;
      if (out.length > 0) yield out;
      out = [];
      for (const spans of spanBatches(batch.spans, SPAN_BATCH_ROWS)) {
        const records = spans.parsedRecords;
        // Pushed, not map()ped: a packed array, as slices of it are (see shifted() in row-spans.ts).
        const parsed: InputRow[] = [];
        for (let k = 0; k < spans.parsedRows.length; k++) parsed.push(rowOf(spans.parsedRows[k]!, records?.[k]));
        yield { spans, parsed, carry };
      }
      continue;
    }
    const { rows, records } = batch;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (decided) emit(row, records?.[i]);
      else {
        pending.push(row);
        pendingRecords.push(records?.[i]);
        if (pending.length >= SAMPLE_ROWS) decide();
      }
      if (out.length >= BATCH_ROWS) {
        yield out;
        out = [];
      }
    }
  }
  if (!decided && pending.length > 0) decide();
  if (out.length > 0) yield out;
}

function describe(choice: ColumnChoice, first: string[] | undefined, options: TabularOptions): ColumnsChosen {
  const column = (position: number, named: boolean): ColumnChosen => ({
    position: position + 1,
    header: choice.hasHeader ? first?.[position] : undefined,
    how: named ? 'named' : 'detected',
  });
  return {
    hasHeader: choice.hasHeader,
    phone: column(choice.phone, options.column !== undefined),
    country: choice.country === undefined ? undefined : column(choice.country, options.countryColumn !== undefined),
  };
}

/** The row of a phone text and its country cell: the cell's region, or the cell itself when it names none. */
export function withCountry(
  input: string,
  cell: string | undefined,
  countries: CountryNames,
  source?: string,
): InputRow {
  const region = cell ? countries.regionOf(cell) : undefined;
  if (region === null && cell!.trim() !== '')
    return { input, country: undefined, malformed: undefined, unknownCountry: cell, source };
  return { input, country: region ?? undefined, malformed: undefined, unknownCountry: undefined, source };
}

/** A SpanBatch's rows as InputRows, in order: what push() and tabular() make of the same text. */
export function rowsOfSpans({ spans, parsed, carry }: SpanBatch, countries: CountryNames): InputRow[] {
  const { text, parsedIndices } = spans;
  const rows = new Array<InputRow>(spans.count);
  for (let i = 0, k = 0; i < spans.count; i++) {
    if (i === parsedIndices[k]) {
      rows[i] = parsed[k++]!;
      continue;
    }
    const input = text.slice(spans.phoneStarts[i], spans.phoneEnds[i]);
    const countryStart = spans.countryStarts[i]!;
    const cell = countryStart === NO_CELL ? undefined : text.slice(countryStart, spans.countryEnds[i]);
    const source = carry ? text.slice(spans.lineStarts[i], spans.lineEnds[i]) : undefined;
    rows[i] = withCountry(input, cell, countries, source);
  }
  return rows;
}

/** Rows [first, end) of a SpanBatch, its parsed rows with them. */
export function spanBatchRange(batch: SpanBatch, first: number, end: number): SpanBatch {
  const from = firstAtOrAfter(batch.spans.parsedIndices, first);
  const spans = spanRange(batch.spans, first, end);
  return { spans, parsed: batch.parsed.slice(from, from + spans.parsedIndices.length), carry: batch.carry };
}
