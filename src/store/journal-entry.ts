import { type ErrorCode, ErrorCodes, WaError } from '../errors.js';

/**
 * Where a task stands, as recorded durably around its upload:
 * - `prepared`: cut and about to be queued; never sent. On resume its numbers are planned again.
 * - `uploading`: written right before the create request. On resume it is unconfirmed: the
 *   request may have gone out and been paid for.
 * - `unconfirmed`: the create's answer was lost. Its numbers are not uploaded again unless the
 *   user asks (`resubmitUnconfirmed`).
 * - `submitted`: the provider's task id is known; on resume it is polled, never uploaded.
 * - `done`: its answers are in the cache; only the task id and count are kept.
 */
export type JournalState = 'prepared' | 'uploading' | 'unconfirmed' | 'submitted' | 'done';

export interface JournalEntry {
  /** Our id for the task: a hash of its sorted numbers. */
  id: string;
  state: JournalState;
  /** The task's numbers (dropped once `done`). */
  numbers: string[];
  count: number;
  /** The provider's task id, once known. */
  taskId?: string | undefined;
  updatedAt: number;
  /**
   * The task's result file was rejected (`WA_RESULT_INVALID`, `WA_RESULT_TOO_LARGE`) `tries`
   * times: its numbers are reported with that reason, and a later run fetches a fresh link once
   * more, not again and again.
   */
  resultError?: ResultError | undefined;
}

/** Why a task's result file was rejected, and how many downloads of it were. */
export interface ResultError {
  code: Extract<ErrorCode, 'WA_RESULT_INVALID' | 'WA_RESULT_TOO_LARGE'>;
  tries: number;
  /** The error's message (already free of the key), for the report. */
  message?: string | undefined;
}

const STATES: readonly JournalState[] = ['prepared', 'uploading', 'unconfirmed', 'submitted', 'done'];

/** The codes a rejected result file is remembered with (`JournalEntry.resultError`). */
export const RESULT_ERROR_CODES = [ErrorCodes.RESULT_INVALID, ErrorCodes.RESULT_TOO_LARGE] as const;

/**
 * A journal entry as read back (or about to be written), checked field by field: the journal is
 * the record of what was paid for, so a damaged entry is `WA_CACHE_CORRUPT` naming it, never a
 * bare TypeError deep in a resume, and never skipped (its numbers may have been paid for).
 */
export function checkJournalEntry(value: unknown, where: string): JournalEntry {
  const problem = problemOf(value);
  if (problem === undefined) return value as JournalEntry;
  throw new WaError(
    ErrorCodes.CACHE_CORRUPT,
    `The task journal entry ${where} is damaged (${problem}). The journal is the record of what was paid for, so it is not reset automatically; move the cache folder aside to start afresh.`,
  );
}

/** An entry about to be written, checked the same way, so that no journal stores one it could not read back. */
export function checkEntryToWrite(value: unknown): JournalEntry {
  const problem = problemOf(value);
  if (problem === undefined) return value as JournalEntry;
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  throw new WaError(
    ErrorCodes.CACHE_CORRUPT,
    `The task journal entry ${typeof id === 'string' ? id : '(no id)'} to write is malformed (${problem}); it was not written, so the journal stays readable.`,
  );
}

/** What is wrong with an entry, or undefined. */
function problemOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value} instead of an entry`;
  const entry = value as Record<string, unknown>;
  if (typeof entry.id !== 'string' || entry.id === '') return 'no id';
  if (!STATES.includes(entry.state as JournalState)) return `state ${JSON.stringify(entry.state)}`;
  if (!Array.isArray(entry.numbers) || !entry.numbers.every((number) => typeof number === 'string'))
    return 'numbers is not a list of strings';
  if (!Number.isSafeInteger(entry.count) || (entry.count as number) < 0) return 'count is not a whole number';
  if (entry.taskId !== undefined && (typeof entry.taskId !== 'string' || entry.taskId === ''))
    return 'taskId is not a string';
  if (typeof entry.updatedAt !== 'number' || !Number.isFinite(entry.updatedAt)) return 'updatedAt is not a time';
  if (entry.resultError !== undefined) return resultErrorProblem(entry.resultError);
  return undefined;
}

function resultErrorProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'resultError is not an object';
  const { code, tries, message } = value as Record<string, unknown>;
  if (!(RESULT_ERROR_CODES as readonly unknown[]).includes(code)) return `resultError code ${JSON.stringify(code)}`;
  if (!Number.isSafeInteger(tries) || (tries as number) < 1) return 'resultError tries is not a positive count';
  if (message !== undefined && typeof message !== 'string') return 'resultError message is not a string';
  return undefined;
}
