import PQueue from 'p-queue';
import type { WaClient } from '../api/client.js';
import type { Reconciliation } from '../api/reconcile.js';
import type { ProviderTask } from '../api/task.js';
import type { ResultCache } from '../store/result-cache.js';
import { asWaError, CreateUnconfirmedError, ErrorCodes, isWaError, type WaError } from '../errors.js';
import { keyToE164 } from '../dedupe/number-table.js';
import { State, type StateCode } from './answer-state.js';
import type { JobCounts, TaskProgress } from './progress.js';
import { planTaskSizes, type TaskSizing } from './task-plan.js';
import { taskKey, type JournalEntry, type TaskJournal } from '../store/task-journal.js';

export interface TaskRunnerDeps {
  client: WaClient;
  cache: ResultCache;
  journal: TaskJournal;
  counts: JobCounts;
  sizing: TaskSizing;
  /** Numbers this job may still upload (maxSpend), or Infinity. */
  budget: number;
  signal: AbortSignal | undefined;
  /** Records what became of a number, in the job's table. */
  settle: (e164: string, state: StateCode) => void;
  /** Something changed that a progress display would show. */
  changed: () => void;
}

/** Numbers to check: an array of E.164 strings, or anything that slices into one. */
export interface NumberList {
  readonly length: number;
  slice(from: number, to: number): string[];
}

/** A NumberList over number-table keys, made into E.164 strings a slice at a time. */
export function keyList(keys: Float64Array): NumberList {
  return { length: keys.length, slice: (from, to) => Array.from(keys.subarray(from, to), keyToE164) };
}

/** Share of a task's processing time by which the next task is created before it ends. */
const EARLY_CREATE_SHARE = 0.02;

/** Errors after which no new task is created: the account or the request itself is wrong. */
const FATAL = new Set<string>([
  ErrorCodes.UNAUTHORIZED,
  ErrorCodes.INSUFFICIENT_BALANCE,
  ErrorCodes.BAD_REQUEST,
  ErrorCodes.INSECURE_URL,
]);

/**
 * Runs the job's tasks through a p-queue with `concurrency` in flight: create (journaled before
 * and after), wait, download, reconcile, and store answers in the cache before the journal calls
 * the task done. Numbers a task leaves unanswered are tried once more in a later task.
 */
export class TaskRunner {
  readonly running = new Map<string, TaskProgress>();
  /** The first error that stopped new tasks, if any. */
  fatal: WaError | undefined;
  /** Errors of tasks that were paid for but could not be collected; the next run resumes them. */
  readonly taskErrors: WaError[] = [];
  readonly #deps: TaskRunnerDeps;
  readonly #queue: PQueue;
  #retry: string[] = [];
  #createTurn: Promise<void> = Promise.resolve();
  /** How long the last create took, to create the next task that much before a slot frees. */
  #createMs = 0;
  readonly #collecting = new Set<Promise<void>>();
  #failure: unknown;

  constructor(deps: TaskRunnerDeps) {
    this.#deps = deps;
    this.#queue = new PQueue({ concurrency: deps.sizing.concurrency });
  }

  /** Picks up a task a previous run submitted: polled and collected, never uploaded again. */
  resume(entry: JournalEntry): void {
    const task = { taskId: entry.taskId!, numbers: entry.numbers };
    this.#inSlot((release) => this.#collect(entry.id, task.taskId, task.numbers, true, release));
  }

  /** Resolves when no task is queued, running or being collected. */
  async idle(): Promise<void> {
    while (this.#queue.size > 0 || this.#queue.pending > 0 || this.#collecting.size > 0) {
      await this.#queue.onIdle();
      await Promise.all(this.#collecting);
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /**
   * Runs `work` in one of the `concurrency` slots. The provider frees its slot once a task's
   * processing is over, so `work` releases ours then too: the next task starts processing while
   * this one is exported, downloaded and reconciled.
   */
  #inSlot(work: (releaseSlot: () => void) => Promise<void>): void {
    void this.#queue.add(
      () =>
        new Promise<void>((slotFree) => {
          const running: Promise<void> = work(slotFree)
            .catch((error: unknown) => {
              // A journal or cache write failed: the job must stop and say so.
              this.#failure ??= error;
            })
            .finally(() => {
              slotFree();
              this.#collecting.delete(running);
            });
          this.#collecting.add(running);
        }),
    );
  }

  /** Checks `numbers` in tasks (two rounds: the second for numbers the first left unanswered). */
  async check(numbers: NumberList): Promise<void> {
    await this.#round(numbers, true);
    await this.idle();
    const retry = this.#retry;
    this.#retry = [];
    await this.#round(retry, false);
    await this.idle();
  }

  /**
   * Plans the round's task sizes and queues them. A task's numbers become strings only when its
   * turn comes, so millions of numbers to check never sit in memory as strings all at once.
   */
  async #round(numbers: NumberList, firstTry: boolean): Promise<void> {
    const { counts, sizing } = this.#deps;
    const affordable = Math.max(0, Math.min(numbers.length, this.#deps.budget - counts.numbersUploaded));
    for (let from = affordable; from < numbers.length; from += 10_000) {
      for (const number of numbers.slice(from, Math.min(numbers.length, from + 10_000)))
        this.#deps.settle(number, State.MAX_SPEND);
    }
    let at = 0;
    for (const size of planTaskSizes(affordable, sizing)) {
      const from = at;
      at += size;
      this.#inSlot(async (release) => {
        const slice = numbers.slice(from, from + size);
        const entry: JournalEntry = {
          id: taskKey(slice),
          state: 'prepared',
          numbers: slice,
          count: slice.length,
          updatedAt: Date.now(),
        };
        await this.#deps.journal.write(entry);
        await this.#createAndCollect(entry, firstTry, release);
      });
    }
  }

  async #createAndCollect(entry: JournalEntry, firstTry: boolean, releaseSlot: () => void): Promise<void> {
    const task = await this.#createOneAtATime(entry, firstTry);
    if (task) await this.#collect(entry.id, task.taskId, entry.numbers, firstTry, releaseSlot);
  }

  /**
   * Creates are serialized: a crash (or a lost answer) can then leave at most one task whose
   * payment is unconfirmed, instead of one per slot. A create takes well under a second and a
   * task minutes, so the slots stay just as busy.
   */
  async #createOneAtATime(entry: JournalEntry, firstTry: boolean): Promise<ProviderTask | undefined> {
    const turn = this.#createTurn.then(() => this.#create(entry, firstTry));
    this.#createTurn = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  async #create(entry: JournalEntry, firstTry: boolean): Promise<ProviderTask | undefined> {
    const { client, journal, counts, signal } = this.#deps;
    const numbers = entry.numbers;
    if (signal?.aborted || this.fatal) {
      // Never sent: forget the task; its numbers are planned again by the next run.
      await journal.remove(entry.id);
      for (const number of numbers) this.#deps.settle(number, this.fatal ? State.TASK_ERROR : State.ABORTED);
      return undefined;
    }
    await journal.write({ ...entry, state: 'uploading', updatedAt: Date.now() });
    counts.numbersUploaded += numbers.length;
    let task: ProviderTask;
    const createStarted = Date.now();
    try {
      task = await client.createTask(numbers, { signal });
      this.#createMs = Date.now() - createStarted;
    } catch (error) {
      await this.#createFailed(entry, error, firstTry);
      return undefined;
    }
    await journal.write({ ...entry, state: 'submitted', taskId: task.taskId, updatedAt: Date.now() });
    counts.tasks++;
    counts.numbersCharged += numbers.length;
    return task;
  }

  async #createFailed(entry: JournalEntry, error: unknown, firstTry: boolean): Promise<void> {
    const { journal, counts } = this.#deps;
    const numbers = entry.numbers;
    if (error instanceof CreateUnconfirmedError) {
      await journal.write({ ...entry, state: 'unconfirmed', updatedAt: Date.now() });
      counts.numbersUnconfirmed += numbers.length;
      for (const number of numbers) this.#deps.settle(number, State.CREATE_UNCONFIRMED);
      return;
    }
    // Any other failure was answered by the provider as not done (or never sent): nothing paid.
    await journal.remove(entry.id);
    counts.numbersUploaded -= numbers.length;
    if (isWaError(error, ErrorCodes.FILE_TOO_LARGE) && numbers.length > 1) {
      // 413 is free: split the task in two and go on.
      const half = Math.ceil(numbers.length / 2);
      for (const part of [numbers.slice(0, half), numbers.slice(half)]) {
        const smaller: JournalEntry = {
          id: taskKey(part),
          state: 'prepared',
          numbers: part,
          count: part.length,
          updatedAt: Date.now(),
        };
        await journal.write(smaller);
        this.#inSlot((release) => this.#createAndCollect(smaller, firstTry, release));
      }
      return;
    }
    const aborted = isWaError(error, ErrorCodes.ABORTED);
    if (!aborted) this.#stopOn(error);
    for (const number of numbers) this.#deps.settle(number, aborted ? State.ABORTED : State.TASK_ERROR);
  }

  async #collect(
    id: string,
    taskId: string,
    numbers: readonly string[],
    firstTry: boolean,
    releaseSlot: () => void,
  ): Promise<void> {
    const { client, journal, signal } = this.#deps;
    const progress: TaskProgress = { taskId, numbers: numbers.length, status: 'pending', checked: 0 };
    this.running.set(taskId, progress);
    this.#deps.changed();
    let result: Reconciliation;
    let releaseEarly: NodeJS.Timeout | undefined;
    try {
      const exported = await client.waitForTask(taskId, {
        signal,
        expectedTotal: numbers.length,
        onProgress: (task) => {
          if (task.status !== 'pending' && task.status !== 'processing') releaseSlot();
          progress.status = task.status;
          progress.checked = task.success + task.failure;
          this.#deps.changed();
        },
        onEndPredicted: (endAt, processingMs) => {
          // The next task is created a little before this one should end: it waits in the
          // provider's queue and starts the moment the slot frees, instead of after a read has
          // seen this one finish and an upload has gone out.
          clearTimeout(releaseEarly);
          const leadMs = processingMs * EARLY_CREATE_SHARE + this.#createMs;
          releaseEarly = setTimeout(releaseSlot, Math.max(0, endAt - leadMs - Date.now()));
        },
      });
      progress.status = 'downloading';
      result = await client.collectResults(exported, numbers, { signal });
    } catch (error) {
      this.running.delete(taskId);
      if (isWaError(error, ErrorCodes.TASK_FAILED)) {
        // Paid, but no answers: its numbers get one more try in a later task.
        await journal.write({ id, state: 'done', numbers: [], count: numbers.length, taskId, updatedAt: Date.now() });
        this.#unanswered(numbers, firstTry);
        return;
      }
      // The task stays `submitted` in the journal, so the next run collects it without paying.
      const aborted = isWaError(error, ErrorCodes.ABORTED);
      if (!aborted) this.taskErrors.push(asWaError(error));
      for (const number of numbers) this.#deps.settle(number, aborted ? State.ABORTED : State.TASK_ERROR);
      this.#deps.changed();
      return;
    } finally {
      clearTimeout(releaseEarly);
    }
    const checkedAt = Date.now();
    const answers = [...result.answered].map(([number, whatsapp]) => [number, { whatsapp, checkedAt }] as const);
    await this.#deps.cache.putMany(answers);
    await journal.write({ id, state: 'done', numbers: [], count: numbers.length, taskId, updatedAt: Date.now() });
    this.#deps.counts.answeredByApi += answers.length;
    for (const [number, answer] of answers)
      this.#deps.settle(number, answer.whatsapp === 'yes' ? State.API_YES : State.API_NO);
    this.#unanswered(result.unanswered, firstTry);
    this.running.delete(taskId);
    this.#deps.changed();
  }

  #unanswered(numbers: readonly string[], firstTry: boolean): void {
    for (const number of numbers) {
      if (firstTry) this.#retry.push(number);
      else this.#deps.settle(number, State.NOT_ANSWERED);
    }
  }

  #stopOn(error: unknown): void {
    const waError = asWaError(error);
    if (FATAL.has(waError.code)) this.fatal ??= waError;
    else this.taskErrors.push(waError);
  }
}
