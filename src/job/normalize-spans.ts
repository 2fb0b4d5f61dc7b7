import type { CountryCode } from 'libphonenumber-js/max';
import type { CountryNames } from '../input/country-names.js';
import type { SpanBatch } from '../input/read-input.js';
import { NO_CELL, type RowSpans } from '../input/row-spans.js';
import { toRegion } from '../normalize/normalize-number.js';
import { answerNumberIn, answerRow, UNKNOWN_COUNTRY } from './row-answer.js';
import { hasLoneSurrogate, ownBytes, type TextBytes, type TextColumnData } from './text-column.js';

/*
 * A batch of rows read as positions (input/row-spans.ts), normalized: each phone cell is sliced
 * once to be normalized, and the phone cells and lines go to the job as spans of the text's
 * bytes, encoded once for the whole batch, where the rows-as-strings path made a string array, a
 * record string and an object per row, then joined and encoded them again (textColumnData).
 */

/** normalizeBatch() of a SpanBatch: the same keys, reasons and texts. */
export function normalizeSpans(
  { spans, parsed, carry }: SpanBatch,
  country: CountryCode | undefined,
  countries: CountryNames,
): { keys: Float64Array; reasons: Uint8Array; inputs: TextColumnData; sources?: TextColumnData | undefined } {
  const { text, count, phoneStarts, phoneEnds, countryStarts, countryEnds, parsedIndices } = spans;
  const keys = new Float64Array(count);
  const reasons = new Uint8Array(count);
  for (let i = 0, k = 0; i < count; i++) {
    if (i === parsedIndices[k]) {
      answerRow(keys, reasons, i, parsed[k++]!, country);
      continue;
    }
    const cellStart = countryStarts[i]!;
    let region = country;
    if (cellStart !== NO_CELL) {
      const cellEnd = countryEnds[i]!;
      // As withCountry(): an empty cell has no region; one naming none we know is unknown_country.
      const named = cellEnd > cellStart ? countries.regionAt(text, cellStart, cellEnd) : undefined;
      if (named === null && text.slice(cellStart, cellEnd).trim() !== '') {
        reasons[i] = UNKNOWN_COUNTRY;
        continue;
      }
      region = toRegion(named ?? undefined) ?? country;
    }
    answerNumberIn(keys, reasons, i, text, phoneStarts[i]!, phoneEnds[i]!, region);
  }
  const bytes = parsed.length === 0 ? spanBytes(spans) : undefined;
  if (bytes) {
    // Carried, the lines are the records and the phone cells spans of them: both columns over
    // one encoding. Not carried, the phone cells are copied out: the lines are not held for them.
    if (!carry) return { keys, reasons, inputs: packed(bytes.bytes, bytes.phoneStarts, bytes.phoneEnds) };
    const inputs: TextBytes = { bytes: bytes.bytes, starts: bytes.phoneStarts, ends: bytes.phoneEnds };
    const sources: TextBytes = { bytes: bytes.bytes, starts: bytes.lineStarts, ends: bytes.lineEnds };
    return { keys, reasons, inputs, sources };
  }
  return { keys, reasons, ...spanStrings({ spans, parsed, carry }) };
}

/** The spans [starts[i], ends[i]) of `bytes`, copied back to back. */
function packed(bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array): TextBytes {
  let length = 0;
  for (let i = 0; i < starts.length; i++) length += ends[i]! - starts[i]!;
  const out = new Uint8Array(length);
  const outEnds = new Uint32Array(starts.length);
  let at = 0;
  for (let i = 0; i < starts.length; i++) {
    // Phone cells are short: a loop beats a subarray and set() per cell.
    for (let from = starts[i]!, end = ends[i]!; from < end; from++) out[at++] = bytes[from]!;
    outEnds[i] = at;
  }
  return { bytes: out, ends: outEnds };
}

/** The spans' texts as strings, as normalizeBatch() has them (the input worker encodes them). */
function spanStrings({ spans, parsed, carry }: SpanBatch): { inputs: TextColumnData; sources?: TextColumnData } {
  const { text, count, parsedIndices } = spans;
  const inputs = new Array<string>(count);
  const sources = carry ? new Array<string>(count) : undefined;
  for (let i = 0, k = 0; i < count; i++) {
    if (i === parsedIndices[k]) {
      const row = parsed[k++]!;
      inputs[i] = row.input;
      if (sources) sources[i] = row.source ?? '';
      continue;
    }
    inputs[i] = text.slice(spans.phoneStarts[i], spans.phoneEnds[i]);
    if (sources) sources[i] = text.slice(spans.lineStarts[i], spans.lineEnds[i]);
  }
  return { inputs, sources };
}

/** The rows' text as UTF-8 bytes, once, with the spans as byte positions in them. */
interface SpanBytes {
  bytes: Uint8Array;
  lineStarts: Uint32Array;
  lineEnds: Uint32Array;
  phoneStarts: Uint32Array;
  phoneEnds: Uint32Array;
}

/**
 * The text from the first row's line to the last's, encoded once, and the spans' positions (in
 * UTF-16 units of the text) as positions in those bytes, in arrays of their own (to be transferred
 * with the batch; `spans` may be one of several views over the same arrays). Undefined when the
 * text has a lone surrogate, which UTF-8 does not keep (the strings then go as they are, see
 * textColumnData).
 */
function spanBytes(spans: RowSpans): SpanBytes | undefined {
  const { text, count } = spans;
  if (count === 0) return undefined;
  const base = spans.lineStarts[0]!;
  const range = text.slice(base, spans.lineEnds[count - 1]);
  const encoded = Buffer.from(range, 'utf8');
  const lineStarts = new Uint32Array(count);
  const lineEnds = new Uint32Array(count);
  const phoneStarts = new Uint32Array(count);
  const phoneEnds = new Uint32Array(count);
  if (encoded.length === range.length) {
    // ASCII (the usual file): a character is a byte.
    for (let i = 0; i < count; i++) {
      lineStarts[i] = spans.lineStarts[i]! - base;
      lineEnds[i] = spans.lineEnds[i]! - base;
      phoneStarts[i] = spans.phoneStarts[i]! - base;
      phoneEnds[i] = spans.phoneEnds[i]! - base;
    }
  } else {
    if (hasLoneSurrogate(range)) return undefined;
    // A row's positions rise from its line's start (phone cell's start, end) to its end, and rows
    // follow each other: one walk through the text counts the bytes before each.
    const toBytes = byteCounter(text, base);
    for (let i = 0; i < count; i++) {
      lineStarts[i] = toBytes(spans.lineStarts[i]!);
      phoneStarts[i] = toBytes(spans.phoneStarts[i]!);
      phoneEnds[i] = toBytes(spans.phoneEnds[i]!);
      lineEnds[i] = toBytes(spans.lineEnds[i]!);
    }
  }
  return { bytes: ownBytes(encoded), lineStarts, lineEnds, phoneStarts, phoneEnds };
}

/** The UTF-8 length of text[base, position), for positions asked in rising order. */
function byteCounter(text: string, base: number): (position: number) => number {
  let at = base;
  let bytes = 0;
  return (position) => {
    for (; at < position; at++) {
      const code = text.charCodeAt(at);
      if (code < 0x80) bytes += 1;
      else if (code < 0x800) bytes += 2;
      // A surrogate pair is one character of four bytes; each of its halves counts two.
      else if (code >= 0xd800 && code <= 0xdfff) bytes += 2;
      else bytes += 3;
    }
    return bytes;
  };
}
