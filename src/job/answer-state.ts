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
};

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
