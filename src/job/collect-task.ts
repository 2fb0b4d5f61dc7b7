import type { WaClient, WaitOptions } from '../api/client.js';
import type { ProviderTask } from '../api/task.js';
import type { Reconciliation } from '../api/reconcile.js';
import type { ResultCache } from '../store/result-cache.js';
import { asWaError, ErrorCodes, isWaError, type WaError } from '../errors.js';
import { State } from './answer-state.js';
import { e164ToKey } from '../dedupe/number-table.js';
import type { JobExtras } from './job-extras.js';
import type { JobState } from './job-state.js';
import type { JobWaits } from './job-waits.js';
import type { TaskProgress } from './progress.js';
import type { ResultError, TaskJournal } from '../store/task-journal.js';

/** Share of a task's processing time by which the next task is created before it ends. */
const EARLY_CREATE_SHARE = 0.02;

/**
 * Downloads of a task's result file before its rejection is final: the first, then one with a
 * fresh link in a later run. A file rejected again is reported, never fetched in a loop.
 */
export const RESULT_TRIES = 2;

export interface CollectDeps {
  client: WaClient;
  cache: ResultCache;
  journal: TaskJournal;
  state: JobState;
  /** Stops polling and downloading; the task stays `submitted` for the next run. */
  signal: AbortSignal;
  /** Something changed that a progress display would show. */
  changed: () => void;
  /** Where the client's announced waits go, for progress. */
  waits: JobWaits;
  /** A cached number outside the job that filled the task up to the minimum: refreshed, not settled. */
  isTopUp: (number: string) => boolean;
  /** A richer product's job keeps each answer's extra columns for its output. */
  extras?: JobExtras | undefined;
}

/** A task the provider confirmed, as journaled. */
export interface SubmittedTask {
  /** Our journal id. */
  id: string;
  /** The provider's. */
  taskId: string;
  numbers: readonly string[];
  /** Its result file was rejected by an earlier run: a fresh link is read, not a poll run. */
  resultError?: ResultError | undefined;
}

/**
 * What collecting a task came to: numbers that deserve one more try in a later task (those the
 * result file left out or failed, or all of a task the provider failed), or the error that left
 * the task uncollected; its numbers are then settled TASK_ERROR or ABORTED, and the journal keeps
 * it `submitted`, so that the next run collects it without paying.
 */
export type Collected = { unanswered: readonly string[] } | { error: WaError };

/**
 * Follows a submitted task to its end: poll -> download -> reconcile -> store the answers in the
 * cache -> journal it done. `slotFree` is called when the provider's slot frees (processing over)
 * or shortly before it is predicted to (2% of the processing time plus `createLeadMs()`, the
 * latest time a task took from its slot to its create's answer), so that the next task is
 * waiting in the provider's queue.
 * `progress` is updated as the task is seen.
 */
export async function collectTask(
  deps: CollectDeps,
  task: SubmittedTask,
  progress: TaskProgress,
  slotFree: () => void,
  createLeadMs: () => number,
): Promise<Collected> {
  const { client, journal, signal, state } = deps;
  const { id, taskId, numbers } = task;
  let result: Reconciliation;
  let createNextAt: NodeJS.Timeout | undefined;
  const waitOptions: WaitOptions = {
    signal,
    onWait: deps.waits.listener,
    expectedTotal: numbers.length,
    onProgress: (seen) => {
      deps.waits.over(taskId);
      if (seen.status !== 'pending' && seen.status !== 'processing') slotFree();
      progress.status = seen.status;
      progress.checked = seen.success + seen.failure;
      deps.changed();
    },
    onEndPredicted: (endAt, processingMs) => {
      // The next task is created a little before this one should end: it waits in the
      // provider's queue and starts the moment the slot frees, instead of after a read has
      // seen this one finish and an upload has gone out.
      clearTimeout(createNextAt);
      const leadMs = processingMs * EARLY_CREATE_SHARE + createLeadMs();
      createNextAt = setTimeout(slotFree, Math.max(0, endAt - leadMs - Date.now()));
    },
  };
  try {
    const exported = task.resultError
      ? await freshLink(client, taskId, waitOptions)
      : await client.waitForTask(taskId, waitOptions);
    progress.status = 'downloading';
    result = await client.collectResults(exported, numbers, { signal, onWait: deps.waits.listener });
  } catch (error) {
    if (isWaError(error, ErrorCodes.TASK_FAILED)) {
      // Paid, but no answers: its numbers get one more try in a later task.
      await journal.write({ id, state: 'done', numbers: [], count: numbers.length, taskId, updatedAt: Date.now() });
      return { unanswered: numbers };
    }
    if (isWaError(error, ErrorCodes.RESULT_INVALID) || isWaError(error, ErrorCodes.RESULT_TOO_LARGE)) {
      // Remembered, so that the next run reports it instead of downloading the same file again.
      const resultError: ResultError = {
        code: error.code as ResultError['code'],
        tries: (task.resultError?.tries ?? 0) + 1,
        message: error.message.slice(0, 500),
      };
      await journal.write({
        id,
        state: 'submitted',
        numbers: [...numbers],
        count: numbers.length,
        taskId,
        updatedAt: Date.now(),
        resultError,
      });
    }
    return { error: asWaError(error) };
  } finally {
    clearTimeout(createNextAt);
  }
  const checkedAt = Date.now();
  // A product's extra columns are stored with its answers (product-answers.ts); ws has none.
  const answers = [...result.answered].map(([number, whatsapp]) => {
    const extras = result.extras.get(number);
    return [number, extras ? { whatsapp, checkedAt, extras } : { whatsapp, checkedAt }] as const;
  });
  await deps.cache.putMany(answers);
  await journal.write({ id, state: 'done', numbers: [], count: numbers.length, taskId, updatedAt: Date.now() });
  let refreshed = 0;
  for (const [number, answer] of answers) {
    if (deps.isTopUp(number)) refreshed++;
    else {
      deps.extras?.set(e164ToKey(number), answer.extras);
      state.settle(number, answer.whatsapp === 'yes' ? State.API_YES : State.API_NO);
    }
  }
  state.answeredByApi(answers.length - refreshed);
  state.refreshedByTopUp(refreshed);
  return { unanswered: result.unanswered };
}

/**
 * One status read for a fresh result link, for a task already exported whose file was rejected
 * before; polled as usual only if the provider says it is not exported (any more).
 */
async function freshLink(client: WaClient, taskId: string, options: WaitOptions): Promise<ProviderTask> {
  const seen = await client.getTask(taskId, options);
  options.onProgress?.(seen);
  return seen.status === 'exported' ? seen : client.waitForTask(taskId, options);
}
