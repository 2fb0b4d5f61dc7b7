import type { InputSource } from '../input/read-input.js';
import { answerOf, INVALID_ROW, NO_NUMBER } from './answer-state.js';
import type { Deduped, JobState } from './job-state.js';
import { keyBatches } from './key-batches.js';
import type { IngestBatch } from './normalize-rows.js';
import type { ResolvedCheckOptions } from './options.js';
import { ResultBlock } from './result-block.js';
import { TextColumn } from './text-column.js';
import type { SpoolWriter } from './spool.js';

/** Rows held while the early cache scan runs, before reading waits for it. */
const WAITING_ROWS_LIMIT = 100_000;

/** A batch read in pass 1 and held until its rows are answered or spooled. */
interface HeldBatch {
  batch: IngestBatch;
  /** Its first row, counted from 0. */
  firstRow: number;
  deduped: Deduped;
}

/**
 * Pass 1: read -> normalize (key-batches.ts, in a worker for a file) -> dedupe -> answer the rows
 * whose answers are already known (invalid, or found by the cache scan running meanwhile) at
 * once, in input order, up to the first row that needs the provider -> spool the rest to disk
 * for pass 2, so a warm run answered in pass 1 writes no spool at all. `batchDone` is called
 * after each batch (for progress).
 */
export async function* ingest(
  input: InputSource,
  options: ResolvedCheckOptions,
  state: JobState,
  spool: SpoolWriter,
  earlyScan: Promise<boolean>,
  batchDone: () => void,
): AsyncGenerator<ResultBlock> {
  let scanned = false;
  let scanDone = false;
  void earlyScan.then(
    (done) => {
      scanned = done;
      scanDone = true;
    },
    () => {
      scanDone = true;
    },
  );
  // Only a file is scanned early; rows from elsewhere all go to the spool.
  let answering = options.order === 'input' && typeof input === 'string';
  const waiting: HeldBatch[] = [];
  for await (const batch of keyBatches(input, options, options.threads)) {
    if (batch.sourceColumns) state.carryColumns(batch.sourceColumns);
    const firstRow = state.counts.rows;
    const deduped = state.dedupe(batch.keys);
    if (answering) {
      waiting.push({ batch, firstRow, deduped });
      // Memory stays bounded: past a limit, wait for the scan (the input worker waits too).
      if (!scanDone && state.counts.rows - waiting[0]!.firstRow >= WAITING_ROWS_LIMIT) await earlyScan.catch(() => {});
      if (scanDone) {
        answering = scanned;
        if (answering) yield* answerKnownRows(state, waiting);
        if (state.rowsAnsweredEarly < state.counts.rows) {
          answering = false;
          for (const held of waiting) await spoolUnanswered(state, spool, held);
        }
        waiting.length = 0;
      }
    } else {
      await spoolUnanswered(state, spool, { batch, firstRow, deduped });
    }
    batchDone();
  }
  if (answering && waiting.length > 0) {
    if (await earlyScan) yield* answerKnownRows(state, waiting);
    for (const held of waiting) await spoolUnanswered(state, spool, held);
  }
}

/** Spools the rows of a batch that pass 1 did not answer (those from rowsAnsweredEarly on). */
async function spoolUnanswered(state: JobState, spool: SpoolWriter, { batch, firstRow }: HeldBatch): Promise<void> {
  const { keys, reasons } = batch;
  const inputs = TextColumn.over(batch.inputs);
  const sources = batch.sources && TextColumn.over(batch.sources);
  for (let i = Math.max(0, state.rowsAnsweredEarly - firstRow); i < keys.length; i++) {
    const key = keys[i]!;
    if (key === NO_NUMBER) spool.addInvalid(reasons[i]!, inputs.get(i), sources?.get(i));
    else spool.addNumber(key, inputs.get(i), sources?.get(i));
  }
  await spool.flush();
}

/** Results for the rows of `batches`, in order, until one whose answer is not known yet. */
function* answerKnownRows(state: JobState, batches: readonly HeldBatch[]): Generator<ResultBlock> {
  for (const { batch, firstRow, deduped } of batches) {
    if (firstRow !== state.rowsAnsweredEarly) return;
    const { keys, reasons } = batch;
    const { states, duplicates } = deduped;
    let known = 0;
    for (; known < keys.length; known++) {
      const rowState = states[known]!;
      if (rowState === INVALID_ROW || answerOf(rowState) !== null) continue;
      // Unknown when deduped: the cache scan may have answered it since.
      const now = state.stateOf(keys[known]!);
      if (answerOf(now) === null) break;
      states[known] = now;
    }
    if (known > 0) {
      // The block is a view of the batch's columns; only the row numbers are new.
      const rows = new Uint32Array(known);
      for (let i = 0; i < known; i++) rows[i] = firstRow + i + 1;
      yield new ResultBlock(known, {
        rows,
        keys: keys.subarray(0, known),
        states: states.subarray(0, known),
        duplicates: duplicates.subarray(0, known),
        inputColumn: TextColumn.over(batch.inputs).head(known),
        reasonCodes: reasons.subarray(0, known),
        sources: batch.sources && TextColumn.over(batch.sources).head(known),
        sourceColumns: batch.sources && state.sourceColumns,
      });
      state.answeredEarlyUpTo(firstRow + known);
    }
    if (known !== keys.length) return;
  }
}
