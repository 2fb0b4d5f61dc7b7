import { encodeRecord } from './source-record.js';

/* The parser's rows (csv-parser.ts), and how it gives rows it could not read. */

/** A row the parser could not read whole; it becomes a result with this reason, never a crash. */
export interface MalformedRow {
  malformed: string;
  /** The row's raw text, cut to a reasonable length. */
  text: string;
}

/** A row's fields; a blank line is a row with no fields (`[]`). */
export type ParsedRow = string[] | MalformedRow;

/** A malformed row of `text`, cut to a reasonable length. */
export function malformed(reason: string, text: string): MalformedRow {
  return { malformed: reason, text: text.length > 200 ? `${text.slice(0, 200)}…` : text };
}

export function isMalformed(row: ParsedRow): row is MalformedRow {
  return !Array.isArray(row);
}

/** A parsed row's source record (source-record.ts): its cells, or a malformed row's text as one cell. */
export function recordOf(row: ParsedRow): string {
  return encodeRecord(isMalformed(row) ? [row.text] : row);
}
