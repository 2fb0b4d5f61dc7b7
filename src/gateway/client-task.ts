import type { Answer } from '../api/result-reader.js';
import { normalizeNumber } from '../normalize/normalize-number.js';

/** What became of one number of a client task: an answer, or `fail` (no trustworthy answer). */
export type NumberOutcome = Answer | 'fail';

/** The API a client task was created through, which decides how it is spelled back. */
export type ClientDialect = 'legacy' | 'v1';

/**
 * A client's task as the gateway keeps it: small, so it is stored whole at each change. Its
 * numbers and their outcomes are kept beside it only until its result file is written.
 */
export interface ClientTaskRecord {
  taskId: string;
  /** The client's name (never its key). */
  client: string;
  dialect: ClientDialect;
  /** The `user_id` given at creation; legacy status reads must name it again. */
  userId: string;
  createdAt: number;
  /** Valid numbers in the upload, after normalizing and deduplicating. */
  numberCount: number;
  /** Non-empty lines that are not a phone number: failures from the start, as at the provider. */
  invalidLines: number;
  /** Numbers answered yes or no so far. */
  answered: number;
  /** Numbers that ended without a trustworthy answer so far. */
  failed: number;
  /** When the first of its numbers was answered or went upstream: it is `processing` from then. */
  startedAt?: number | undefined;
  /** When every number had an outcome. */
  completedAt?: number | undefined;
  /** When its result file was written: it is `exported` from then. */
  exportedAt?: number | undefined;
}

export type ClientTaskStatus = 'pending' | 'processing' | 'completed' | 'exported';

/** Where a task stands, with counters of its own numbers that add up: success + failure <= total. */
export interface ClientTaskView {
  status: ClientTaskStatus;
  total: number;
  success: number;
  failure: number;
  updatedAt: number;
}

/**
 * The status a client sees. `total` is 0 while pending, as at the provider; v1 has no
 * `completed`, so its export step still reads `processing`.
 */
export function viewOf(task: ClientTaskRecord): ClientTaskView {
  if (task.startedAt === undefined) {
    return { status: 'pending', total: 0, success: 0, failure: 0, updatedAt: task.createdAt };
  }
  const counters = {
    total: task.numberCount + task.invalidLines,
    success: task.answered,
    failure: task.failed + task.invalidLines,
  };
  if (task.exportedAt !== undefined) return { status: 'exported', ...counters, updatedAt: task.exportedAt };
  if (task.completedAt !== undefined) {
    const status = task.dialect === 'v1' ? 'processing' : 'completed';
    return { status, ...counters, updatedAt: task.completedAt };
  }
  return { status: 'processing', ...counters, updatedAt: task.startedAt };
}

/** An upload read line by line: its unique valid numbers, and how many lines were not numbers. */
export interface ParsedUpload {
  numbers: string[];
  invalidLines: number;
}

/** A line the provider accepts: E.164, or E.164 digits without the `+`. */
const E164_LINE = /^\+?[1-9]\d{6,14}$/;

/**
 * Reads an uploaded file as the provider does (one number per line, blank lines skipped), but
 * normalizes each line and keeps the first occurrence of each number: a repeat is never paid
 * twice. A line that is not a valid number is a failure of the task, never a crash or a 400.
 */
export function parseUpload(text: string): ParsedUpload {
  const seen = new Set<string>();
  let invalidLines = 0;
  // Buffered text is fine: uploads are capped (413) before they get here.
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    // Not E.164 is a failure, as at the provider; E.164 that is no valid number would be paid for.
    const result = E164_LINE.test(line) ? normalizeNumber(line.startsWith('+') ? line : `+${line}`) : undefined;
    if (!result?.ok) {
      invalidLines++;
      continue;
    }
    seen.add(result.e164);
  }
  return { numbers: [...seen], invalidLines };
}
