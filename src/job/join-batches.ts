import type { IngestBatch } from './ingest-batch.js';
import { TextColumn, type TextBytes, type TextColumnData } from './text-column.js';

/**
 * Two batches as one, `first`'s rows then `second`'s: a worker's slice of rows (RowShare) may
 * begin in one piece of the file and end in the next, and the job takes one batch per slice.
 */
export function joinBatches(first: IngestBatch, second: IngestBatch): IngestBatch {
  const keys = new Float64Array(first.keys.length + second.keys.length);
  keys.set(first.keys);
  keys.set(second.keys, first.keys.length);
  const reasons = new Uint8Array(keys.length);
  reasons.set(first.reasons);
  reasons.set(second.reasons, first.reasons.length);
  return {
    keys,
    reasons,
    inputs: joinTexts(first.inputs, second.inputs),
    sources:
      first.sources && second.sources ? joinTexts(first.sources, second.sources) : (first.sources ?? second.sources),
    sourceColumns: first.sourceColumns ?? second.sourceColumns,
  };
}

/** Two columns' texts as one: bytes when both are, strings otherwise. */
function joinTexts(first: TextColumnData, second: TextColumnData): TextColumnData {
  if (Array.isArray(first) || Array.isArray(second))
    return [...TextColumn.over(first).strings(), ...TextColumn.over(second).strings()];
  const bytes = new Uint8Array(first.bytes.length + second.bytes.length);
  bytes.set(first.bytes);
  bytes.set(second.bytes, first.bytes.length);
  const rows = first.ends.length + second.ends.length;
  const starts = new Uint32Array(rows);
  const ends = new Uint32Array(rows);
  const copy = (texts: TextBytes, at: number, shift: number) => {
    for (let i = 0; i < texts.ends.length; i++) {
      starts[at + i] = (texts.starts ? texts.starts[i]! : i === 0 ? 0 : texts.ends[i - 1]!) + shift;
      ends[at + i] = texts.ends[i]! + shift;
    }
  };
  copy(first, 0, 0);
  copy(second, first.ends.length, first.bytes.length);
  return { bytes, starts, ends };
}
