import { keyToE164 } from '../dedupe/number-table.js';
import { answerOf, reasonOf, sourceOf } from './answer-state.js';
import type { CheckResult } from './check-numbers.js';

/** The state of a row that holds no valid number (its reason says why). */
export const INVALID_ROW = 255;

/**
 * A batch of results as parallel columns, in output order. The job hands rows to writers in
 * this form: at millions of rows, an object per row (and a cell array per row to format it)
 * cost more than everything else on the job's thread. Callers that iterate results get
 * CheckResult objects made from it (`toResults`).
 */
export class ResultBlock {
  length = 0;
  /** Each row's number in the input, counted from 1 (integers print faster than floats). */
  readonly rows: Uint32Array;
  /** Each row's number as a key (see NumberTable); 0 for an invalid row. */
  readonly keys: Float64Array;
  /** Each row's answer state (answer-state.ts), or INVALID_ROW. */
  readonly states: Uint8Array;
  /** 1 where an earlier row holds the same number. */
  readonly duplicates: Uint8Array;
  readonly inputs: string[] = [];
  /** Why an invalid row has no number; '' for the others. */
  readonly reasons: string[] = [];

  constructor(capacity: number) {
    this.rows = new Uint32Array(capacity);
    this.keys = new Float64Array(capacity);
    this.states = new Uint8Array(capacity);
    this.duplicates = new Uint8Array(capacity);
  }

  addNumber(row: number, input: string, key: number, state: number, duplicate: boolean): void {
    const at = this.length++;
    this.rows[at] = row;
    this.keys[at] = key;
    this.states[at] = state;
    this.duplicates[at] = duplicate ? 1 : 0;
    this.inputs.push(input);
    this.reasons.push('');
  }

  addInvalid(row: number, input: string, reason: string): void {
    const at = this.length++;
    this.rows[at] = row;
    this.keys[at] = 0;
    this.states[at] = INVALID_ROW;
    this.duplicates[at] = 0;
    this.inputs.push(input);
    this.reasons.push(reason);
  }
}

/** The block's rows as result objects. */
export function toResults(block: ResultBlock): CheckResult[] {
  const results = new Array<CheckResult>(block.length);
  for (let i = 0; i < block.length; i++) {
    const row = block.rows[i]!;
    const input = block.inputs[i]!;
    const state = block.states[i]!;
    if (state === INVALID_ROW) {
      results[i] = { row, input, number: null, whatsapp: null, source: null, reason: block.reasons[i]!, duplicate: false };
      continue;
    }
    results[i] = {
      row,
      input,
      number: keyToE164(block.keys[i]!),
      whatsapp: answerOf(state),
      source: sourceOf(state),
      reason: reasonOf(state),
      duplicate: block.duplicates[i] === 1,
    };
  }
  return results;
}
