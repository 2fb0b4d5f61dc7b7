import type { WaClient } from '../api/client.js';
import type { Reconciliation } from '../api/reconcile.js';
import type { ResultCache } from '../store/result-cache.js';
import { asWaError, ErrorCodes, isWaError, type WaError } from '../errors.js';
import { State } from './answer-state.js';
import type { JobState } from './job-state.js';
import type { TaskProgress } from './progress.js';
import type { TaskJournal } from '../store/task-journal.js';

/** Share of a task's processing time by which the next task is created before it ends. */
const EARLY_CREATE_SHARE = 0.02;

export interface CollectDeps {
  client: WaClient;
  cache: ResultCache;
  journal: TaskJournal;
  state: JobState;
  /** Stops polling and downloading; the task stays `submitted` for the next run. */
  signal: AbortSignal;
  /** Something changed that a progress display would show. */
  changed: () => void;
}

/** A task the provider confirmed, as journaled. */
export interface SubmittedTask {
  /** Our journal id. */
  id: string;
  /** The provider's. */
  taskId: string;
  numbers: readonly string[];
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
 * or shortly before it is predicted to, so that the next task is waiting in the provider's queue.
 * `progress` is updated as the task is seen.
 */
export async function collectTask(
  deps: CollectDeps,
  task: SubmittedTask,
  progress: TaskProgress,
  slotFree: () => void,
  lastCreateMs: number,
): Promise<Collected> {
  const { client, journal, signal, state } = deps;
  const { id, taskId, numbers } = task;
  let result: Reconciliation;
  let createNextAt: NodeJS.Timeout | undefined;
  try {
    const exported = await client.waitForTask(taskId, {
      signal,
      expectedTotal: numbers.length,
      onProgress: (seen) => {
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
        const leadMs = processingMs * EARLY_CREATE_SHARE + lastCreateMs;
        createNextAt = setTimeout(slotFree, Math.max(0, endAt - leadMs - Date.now()));
      },
    });
    progress.status = 'downloading';
    result = await client.collectResults(exported, numbers, { signal });
  } catch (error) {
    if (isWaError(error, ErrorCodes.TASK_FAILED)) {
      // Paid, but no answers: its numbers get one more try in a later task.
      await journal.write({ id, state: 'done', numbers: [], count: numbers.length, taskId, updatedAt: Date.now() });
      return { unanswered: numbers };
    }
    return { error: asWaError(error) };
  } finally {
    clearTimeout(createNextAt);
  }
  const checkedAt = Date.now();
  const answers = [...result.answered].map(([number, whatsapp]) => [number, { whatsapp, checkedAt }] as const);
  await deps.cache.putMany(answers);
  await journal.write({ id, state: 'done', numbers: [], count: numbers.length, taskId, updatedAt: Date.now() });
  state.answeredByApi(answers.length);
  for (const [number, answer] of answers)
    state.settle(number, answer.whatsapp === 'yes' ? State.API_YES : State.API_NO);
  return { unanswered: result.unanswered };
}
