import type { ResultExtras } from '../api/reconcile.js';
import { keyToE164 } from '../dedupe/number-table.js';
import { answerOf, INVALID_REASONS, INVALID_ROW, NO_NUMBER, reasonOf, sourceOf } from './answer-state.js';
import { recordCells } from '../input/source-cells.js';
import { TextColumn } from './text-column.js';

/** The answer for one input row. */
export interface CheckResult {
  /** The data row it answers, counted from 1. */
  row: number;
  /** The phone cell as it was in the input. */
  input: string;
  /** The number in E.164, or null when the row holds no valid number. */
  number: string | null;
  whatsapp: 'yes' | 'no' | null;
  source: 'cache' | 'api' | null;
  /** Why `whatsapp` is null; null when there is an answer. */
  reason: string | null;
  /** True when an earlier row holds the same number (answered, not paid twice). */
  duplicate: boolean;
  /**
   * The input row's own cells by column name, phone column included (a file's header, or
   * `column1`... without one; a record's fields), all as text. Absent with `compact`, and for
   * inputs of one column (nothing to carry besides `input`).
   */
  fields?: Record<string, string>;
  /**
   * Only in a job of a richer v1 product: its extra columns (`ws_active`: `activetime`,
   * `activedays`, `business`; `ws_avatar`: `age`, `avatar`, `category`, `gender`, `hair_color`,
   * `skin_color`), as the provider's text; empty where there is none.
   */
  extras?: ResultExtras;
}

// Re-exported where the writers have always found it; defined with the other states.
export { INVALID_ROW } from './answer-state.js';

/**
 * A batch of results as parallel columns, in output order. The job hands rows to writers in
 * this form: at millions of rows, an object per row (and a cell array per row to format it)
 * cost more than everything else on the job's thread. Callers that iterate results get
 * CheckResult objects made from it (`toResults`). Columns may be views of the job's own arrays:
 * read them, never write them.
 */
export class ResultBlock {
  length: number;
  /** Each row's number in the input, counted from 1 (integers print faster than floats). */
  readonly rows: Uint32Array;
  /** Each row's number as a key (see NumberTable); NO_NUMBER for an invalid row. */
  readonly keys: Float64Array;
  /** Each row's answer state (answer-state.ts), or INVALID_ROW. */
  readonly states: Uint8Array;
  /** 1 where an earlier row holds the same number. */
  readonly duplicates: Uint8Array;
  /** Each row's phone cell as it was (as bytes or strings, see text-column.ts). */
  readonly inputColumn: TextColumn;
  /** Why an invalid row has no number, as an index into INVALID_REASONS; 0 for the others. */
  readonly reasonCodes: Uint8Array;
  /** Each row's own cells as one source record (input/source-record.ts), when the job carries them. */
  sources?: TextColumn | undefined;
  /** The names of the cells in `sources`, the same array for every block of a job. */
  sourceColumns?: readonly string[] | undefined;
  /** A richer product's job only: each row's extra columns (see CheckResult.extras). */
  extras?: ResultExtras[] | undefined;
  /** The names of those columns, in order. */
  extraColumns?: readonly string[] | undefined;

  /** An empty block to fill with addNumber and addInvalid, or one over existing columns of `length` rows. */
  constructor(
    capacity: number,
    columns?: Omit<ResultBlock, 'length' | 'inputs' | 'addNumber' | 'addInvalid' | 'carry'>,
  ) {
    this.length = columns ? capacity : 0;
    this.rows = columns?.rows ?? new Uint32Array(capacity);
    this.keys = columns?.keys ?? new Float64Array(capacity);
    this.states = columns?.states ?? new Uint8Array(capacity);
    this.duplicates = columns?.duplicates ?? new Uint8Array(capacity);
    this.inputColumn = columns?.inputColumn ?? TextColumn.empty();
    this.reasonCodes = columns?.reasonCodes ?? new Uint8Array(capacity);
    this.sources = columns?.sources;
    this.sourceColumns = columns?.sourceColumns;
  }

  /** From now on, rows added carry source records (push them to `sources` beside each row). */
  carry(sourceColumns: readonly string[] | undefined): this {
    if (sourceColumns === undefined) return this;
    this.sourceColumns = sourceColumns;
    this.sources = TextColumn.empty();
    return this;
  }

  /** Each row's phone cell as it was. */
  get inputs(): string[] {
    return this.inputColumn.strings();
  }

  addNumber(row: number, input: string, key: number, state: number, duplicate: boolean): void {
    const at = this.length++;
    this.rows[at] = row;
    this.keys[at] = key;
    this.states[at] = state;
    this.duplicates[at] = duplicate ? 1 : 0;
    this.inputColumn.push(input);
  }

  addInvalid(row: number, input: string, reasonCode: number): void {
    const at = this.length++;
    this.rows[at] = row;
    this.keys[at] = NO_NUMBER;
    this.states[at] = INVALID_ROW;
    this.duplicates[at] = 0;
    this.inputColumn.push(input);
    this.reasonCodes[at] = reasonCode;
  }
}

/** Why a row of a block has no number ('' for a row that has one). */
export function invalidReasonOf(block: ResultBlock, at: number): string {
  return INVALID_REASONS[block.reasonCodes[at]!]!;
}

/** The block's rows as result objects. */
export function toResults(block: ResultBlock): CheckResult[] {
  const results = bareResults(block);
  const { sources, sourceColumns } = block;
  if (sources && sourceColumns) {
    for (let i = 0; i < block.length; i++) {
      const cells = recordCells(sources.get(i), sourceColumns.length);
      // fromEntries defines own properties: a column named __proto__ stays a column.
      results[i]!.fields = Object.fromEntries(cells.map((cell, c) => [sourceColumns[c]!, cell]));
    }
  }
  return results;
}

function bareResults(block: ResultBlock): CheckResult[] {
  const results = new Array<CheckResult>(block.length);
  const inputs = block.inputColumn;
  for (let i = 0; i < block.length; i++) {
    const row = block.rows[i]!;
    const input = inputs.get(i);
    const state = block.states[i]!;
    if (state === INVALID_ROW) {
      results[i] = {
        row,
        input,
        number: null,
        whatsapp: null,
        source: null,
        reason: invalidReasonOf(block, i),
        duplicate: false,
      };
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
  // Apart from the loop above: a ws job's results (the common case) get no extra work per row.
  const extras = block.extras;
  if (extras) for (let i = 0; i < block.length; i++) results[i]!.extras = extras[i]!;
  return results;
}
