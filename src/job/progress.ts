import type { BalanceReport, TopUpReport } from './cost-report.js';
import type { JobWait } from './job-waits.js';

/** One task at the provider, as last seen. */
export interface TaskProgress {
  taskId: string;
  numbers: number;
  status: string;
  /** success + failure, as the provider counts them. */
  checked: number;
}

/** Counts that grow as a job runs; the final ones are its summary. */
export interface JobCounts {
  /** Data rows read. */
  rows: number;
  /** Rows without a valid number (malformed rows included). */
  invalidRows: number;
  /** Rows repeating a number seen on an earlier row: answered, never paid twice. */
  duplicateRows: number;
  uniqueNumbers: number;
  /** Unique numbers answered from the cache. */
  cacheHits: number;
  /** Unique numbers answered by the provider in this job. */
  answeredByApi: number;
  /** Numbers sent in create requests (retries of failed numbers included). */
  numbersUploaded: number;
  /** Tasks the provider confirmed. */
  tasks: number;
  /** Numbers in confirmed tasks: what this job paid for. */
  numbersCharged: number;
  /** Numbers whose create was sent but never confirmed: perhaps paid, not answered. */
  numbersUnconfirmed: number;
  /** Unique valid numbers left without an answer. */
  unanswered: number;
  /**
   * Cached numbers outside the input whose oldest answers filled a task up to the provider's
   * minimum (`topUp: 'stale'`): paid for (in `numbersCharged`) and refreshed in the cache.
   */
  refreshed?: number | undefined;
}

export interface JobProgress extends JobCounts {
  phase: 'reading' | 'checking' | 'writing' | 'done';
  /** Numbers waiting to be uploaded or answered. */
  toCheck: number;
  tasksRunning: TaskProgress[];
  /**
   * What the job waits for now, when the client announced a wait of a few seconds or more: a
   * rate limit or retry first, else the next status read or download that ends first.
   */
  waiting?: JobWait | undefined;
}

export interface CheckSummary extends JobCounts {
  /** Unanswered unique numbers, by reason. */
  unansweredByReason: Record<string, number>;
  /** Numbers the cache saved from being paid for (cache hits). */
  savedByCache: number;
  /**
   * With `dryRun`: what the job would upload and in how many tasks, and what it would cost at
   * `pricePerNumber` (top-up numbers included).
   */
  dryRun?: { numbers: number; tasks: number; cost?: number } | undefined;
  /** What the provider's minimum order did, when the numbers to check were fewer. */
  topUp?: TopUpReport | undefined;
  /** The balance read before the first create (v1). */
  balance?: BalanceReport | undefined;
  /**
   * Of `cacheHits`, numbers of a `ws` job answered by cached `ws_active`/`ws_avatar` answers
   * (every product answers `activated`).
   */
  savedByRicherProducts?: number | undefined;
  /** Things the user should know about this run's cost and limits, as sentences. */
  notes?: string[] | undefined;
  /**
   * When the provider asked to be called again (ISO 8601), when it refused a create for longer
   * than the client waits (`WA_RATE_LIMITED`): numbers not sent are `rate_limited`; run again
   * after this time.
   */
  retryAt?: string | undefined;
  /** Errors of tasks that were paid for but could not be collected (first few, deduplicated). */
  taskErrors: Array<{ code: string; message: string }>;
  /** True when every valid number got an answer. */
  complete: boolean;
  /**
   * False when the consumer stopped reading before the last result (`break`, `return()`): the
   * counts are as far as the job got, no task was created after, and tasks left at the provider
   * are collected, without paying again, by the next run on the same cache.
   */
  finished: boolean;
  elapsedMs: number;
}

export function emptyCounts(): JobCounts {
  return {
    rows: 0,
    invalidRows: 0,
    duplicateRows: 0,
    uniqueNumbers: 0,
    cacheHits: 0,
    answeredByApi: 0,
    numbersUploaded: 0,
    tasks: 0,
    numbersCharged: 0,
    numbersUnconfirmed: 0,
    unanswered: 0,
    refreshed: 0,
  };
}
