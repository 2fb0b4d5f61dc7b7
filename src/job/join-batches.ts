import type { IngestBatch } from './ingest-batch.js';
import { TextColumn, type TextBytes, type TextColumnData } from './text-column.js';

/**
 * Batches as one, in order: a worker's slice of rows (RowShare) may be cut from several pieces of
 * the file, and the job takes one batch per slice. Joined once, when the slice is whole (joined
 * part by part, a slice of many small pieces was copied over and over). Carried lines and the
 * phone cells in them stay one memory, as in each part.
 */
export function joinBatches(parts: readonly IngestBatch[]): IngestBatch {
  if (parts.length === 1) return parts[0]!;
  let rows = 0;
  for (const part of parts) rows += part.keys.length;
  const keys = new Float64Array(rows);
  const reasons = new Uint8Array(rows);
  for (let i = 0, at = 0; i < parts.length; at += parts[i]!.keys.length, i++) {
    keys.set(parts[i]!.keys, at);
    reasons.set(parts[i]!.reasons, at);
  }
  const carrying = parts.filter((part) => part.sources !== undefined).length;
  // The reader decides whether rows carry their cells before the first row: never part of a slice.
  if (carrying !== 0 && carrying !== parts.length) throw new Error('joinBatches: only some parts carry source records');
  const sources = carrying > 0 ? joinTexts(parts.map((part) => part.sources!)) : undefined;
  const shared =
    sources !== undefined &&
    !Array.isArray(sources) &&
    parts.every((part) => !Array.isArray(part.inputs) && part.inputs.bytes === (part.sources as TextBytes).bytes);
  return {
    keys,
    reasons,
    inputs: joinTexts(
      parts.map((part) => part.inputs),
      shared ? sources.bytes : undefined,
    ),
    sources,
    sourceColumns: parts.find((part) => part.sourceColumns !== undefined)?.sourceColumns,
  };
}

/**
 * Columns' texts as one: bytes when all are (given `joined`, their bytes already joined, which
 * the positions are then moved into), strings otherwise.
 */
function joinTexts(columns: readonly TextColumnData[], joined?: Uint8Array): TextColumnData {
  if (columns.some((column) => Array.isArray(column)))
    return columns.flatMap((column) => TextColumn.over(column).strings());
  const texts = columns as readonly TextBytes[];
  let rows = 0;
  let length = 0;
  for (const text of texts) {
    rows += text.ends.length;
    length += text.bytes.length;
  }
  const bytes = joined ?? new Uint8Array(length);
  const spans = texts.some((text) => text.starts !== undefined);
  const starts = spans ? new Uint32Array(rows) : undefined;
  const ends = new Uint32Array(rows);
  let row = 0;
  let shift = 0;
  for (const text of texts) {
    if (!joined) bytes.set(text.bytes, shift);
    for (let i = 0; i < text.ends.length; i++, row++) {
      if (starts) starts[row] = (text.starts ? text.starts[i]! : i === 0 ? 0 : text.ends[i - 1]!) + shift;
      ends[row] = text.ends[i]! + shift;
    }
    shift += text.bytes.length;
  }
  return { bytes, starts, ends };
}
