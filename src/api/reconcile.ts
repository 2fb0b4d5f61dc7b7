import type { Answer, ResultRecord } from './result-reader.js';

/** A product's extra columns for one number (ws_active, ws_avatar), as opaque text. */
export type ResultExtras = Record<string, string>;

/**
 * A record of a result file. The product columns (`extras`) are optional: plain `ws` files have
 * none, and readers that do not return them still reconcile.
 */
export type ReconcilableRecord = ResultRecord & { extras?: ResultExtras | undefined };

export interface Reconciliation {
  /** Submitted numbers with one trustworthy answer. */
  answered: Map<string, Answer>;
  /** The product columns of answered numbers whose rows carried any. */
  extras: Map<string, ResultExtras>;
  /**
   * Submitted numbers the file does not answer: missing, counted as failures, or given
   * contradicting answers. They are neither yes nor no.
   */
  unanswered: string[];
  /** Rows for numbers that were not submitted. */
  ignored: number;
  /** Rows repeating an answer already read. */
  repeated: number;
  /** Numbers given both yes and no, left unanswered rather than guessed. */
  conflicting: number;
}

/**
 * Checks a result file against what was submitted. The provider's counters and file need not
 * agree with the upload (api-contract.md), so the file is trusted only for numbers we sent, and
 * nothing is ever invented for a number it leaves out.
 */
export async function reconcile(
  submitted: readonly string[],
  records: AsyncIterable<ReconcilableRecord> | Iterable<ReconcilableRecord>,
): Promise<Reconciliation> {
  const wanted = new Set(submitted);
  const answered = new Map<string, Answer>();
  const extras = new Map<string, ResultExtras>();
  const conflicted = new Set<string>();
  let ignored = 0;
  let repeated = 0;
  for await (const record of records) {
    const { number, whatsapp } = record;
    if (!wanted.has(number)) {
      ignored++;
      continue;
    }
    const earlier = answered.get(number);
    if (earlier === undefined && !conflicted.has(number)) {
      answered.set(number, whatsapp);
      if (record.extras && Object.keys(record.extras).length > 0) extras.set(number, record.extras);
    } else if (earlier === whatsapp) repeated++;
    else if (earlier !== undefined) {
      answered.delete(number);
      extras.delete(number);
      conflicted.add(number);
    }
  }
  const unanswered: string[] = [];
  for (const number of wanted) if (!answered.has(number)) unanswered.push(number);
  return { answered, extras, unanswered, ignored, repeated, conflicting: conflicted.size };
}
