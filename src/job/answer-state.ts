import { ErrorCodes } from '../errors.js';

/**
 * What the job knows of each unique number, one byte in the NumberTable. Cache and API answers
 * are kept apart so every result can say where its answer came from.
 */
export const State = {
  /** Not looked up in the cache yet. */
  UNKNOWN: 0,
  CACHE_YES: 1,
  CACHE_NO: 2,
  API_YES: 3,
  API_NO: 4,
  /** Not in the cache: to be uploaded. */
  TO_CHECK: 5,
  /** In a task a previous run submitted, which this run collects. */
  IN_FLIGHT: 6,
  /**
   * Answered in the cache but not read in the input (yet): put in the table by the cache scan
   * that runs while the input is read, so each row needs one lookup, not two. Not part of the job.
   */
  CACHED_YES_UNSEEN: 7,
  CACHED_NO_UNSEEN: 8,
  // Unanswered, with why:
  NOT_ANSWERED: 10,
  CREATE_UNCONFIRMED: 11,
  MAX_SPEND: 12,
  DRY_RUN: 13,
  TASK_ERROR: 14,
  ABORTED: 15,
  /** The provider asked us to come back later than we wait: nothing was created (or paid). */
  RATE_LIMITED: 16,
  /** In a task this run gave up waiting for; it stays in the journal for the next run. */
  TASK_STALLED: 17,
  /** In a task whose result file was rejected; remembered in the journal, not fetched in a loop. */
  RESULT_INVALID: 18,
  RESULT_TOO_LARGE: 19,
  /** Fewer numbers to check than the provider's minimum per task, and the `none` top-up policy. */
  BELOW_MINIMUM: 20,
  /** The provider answered 402 (or the balance read said it could not cover them). */
  INSUFFICIENT_BALANCE: 21,
  /** Beyond what the account's daily limit lets this run spend: a later run collects them. */
  DAILY_LIMIT: 22,
} as const;

export type StateCode = (typeof State)[keyof typeof State];

/*
 * The job's other sentinels, each with one encoding, used the same way in every stage:
 * - a row without a valid number has the key NO_NUMBER (in batches and result blocks) and the
 *   row state INVALID_ROW (in pass 1's states and result blocks), with a reason code (an index
 *   into INVALID_REASONS) beside it; only the spool's file stores it otherwise (see spool.ts);
 * - NumberTable.get() answers NOT_IN_TABLE for a number the table does not hold.
 */

/** The key of a row without a valid number (no E.164 number is 0). */
export const NO_NUMBER = 0;

/** The state of a row that holds no valid number (its reason code says why). Above every State. */
export const INVALID_ROW = 255;

/** What NumberTable.get() and addOrGet() answer for a number the table does not hold (yet). */
export const NOT_IN_TABLE = -1;

/**
 * Why a row has no valid number, by code (index); 0 for rows that have one. Here, not beside the
 * normalizer that picks them, so that the job's thread can name reasons without loading it.
 */
export const INVALID_REASONS = [
  '',
  'malformed_row',
  'empty',
  'not_a_phone_number',
  'invalid_number',
  'needs_country',
  'unknown_country',
] as const;

/** The `reason` shown for an unanswered number; stable values, listed in the README. */
export const UNANSWERED_REASONS: Record<number, string> = {
  [State.UNKNOWN]: 'not_checked',
  [State.TO_CHECK]: 'not_checked',
  [State.IN_FLIGHT]: 'task_error',
  [State.NOT_ANSWERED]: 'provider_gave_no_answer',
  [State.CREATE_UNCONFIRMED]: 'create_unconfirmed',
  [State.MAX_SPEND]: 'max_spend_reached',
  [State.DRY_RUN]: 'dry_run',
  [State.TASK_ERROR]: 'task_error',
  [State.ABORTED]: 'aborted',
  [State.RATE_LIMITED]: 'rate_limited',
  [State.TASK_STALLED]: 'task_stalled',
  [State.RESULT_INVALID]: 'result_invalid',
  [State.RESULT_TOO_LARGE]: 'result_too_large',
  [State.BELOW_MINIMUM]: 'below_minimum',
  [State.INSUFFICIENT_BALANCE]: 'insufficient_balance',
  [State.DAILY_LIMIT]: 'daily_limit_reached',
};

/** The state of a task's numbers when collecting it failed with this code (TASK_ERROR for most). */
export function stateOfTaskFailure(code: string): StateCode {
  if (code === ErrorCodes.ABORTED) return State.ABORTED;
  if (code === ErrorCodes.TASK_STALLED) return State.TASK_STALLED;
  if (code === ErrorCodes.RESULT_INVALID) return State.RESULT_INVALID;
  if (code === ErrorCodes.RESULT_TOO_LARGE) return State.RESULT_TOO_LARGE;
  if (code === ErrorCodes.INSUFFICIENT_BALANCE) return State.INSUFFICIENT_BALANCE;
  if (code === ErrorCodes.BELOW_MINIMUM) return State.BELOW_MINIMUM;
  return State.TASK_ERROR;
}

export function answerOf(state: number): 'yes' | 'no' | null {
  if (state === State.CACHE_YES || state === State.API_YES) return 'yes';
  if (state === State.CACHE_NO || state === State.API_NO) return 'no';
  return null;
}

/** Why a number with this state has no answer, or null when it has one. */
export function reasonOf(state: number): string | null {
  return answerOf(state) ? null : (UNANSWERED_REASONS[state] ?? 'not_checked');
}

export function sourceOf(state: number): 'cache' | 'api' | null {
  if (state === State.CACHE_YES || state === State.CACHE_NO) return 'cache';
  if (state === State.API_YES || state === State.API_NO) return 'api';
  return null;
}
