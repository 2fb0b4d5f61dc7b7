import type { Answer, ResultRecord } from './result-reader.js';

export interface Reconciliation {
  /** Submitted numbers with one trustworthy answer. */
  answered: Map<string, Answer>;
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
  records: AsyncIterable<ResultRecord> | Iterable<ResultRecord>,
): Promise<Reconciliation> {
  const wanted = new Set(submitted);
  const answered = new Map<string, Answer>();
  const conflicted = new Set<string>();
  let ignored = 0;
  let repeated = 0;
  for await (const { number, whatsapp } of records) {
    if (!wanted.has(number)) {
      ignored++;
      continue;
    }
    const earlier = answered.get(number);
    if (earlier === undefined && !conflicted.has(number)) answered.set(number, whatsapp);
    else if (earlier === whatsapp) repeated++;
    else if (earlier !== undefined) {
      answered.delete(number);
      conflicted.add(number);
    }
  }
  const unanswered: string[] = [];
  for (const number of wanted) if (!answered.has(number)) unanswered.push(number);
  return { answered, unanswered, ignored, repeated, conflicting: conflicted.size };
}
