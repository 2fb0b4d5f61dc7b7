// Over 300 lines on purpose: slots, rounds and what each outcome of a create or a collect does
// to them (stop, hold back, retry, top up) are one state with one owner; split, the rules that
// keep a number from being uploaded twice would be spread over files.
import PQueue from 'p-queue';
import type { WaClient } from '../api/client.js';
import type { ProviderTask } from '../api/task.js';
import { ProviderUnreachableError, RetryLaterError } from '../api/wait-errors.js';
import type { ResultCache } from '../store/result-cache.js';
import { keyToE164 } from '../dedupe/number-table.js';
import { asWaError, CreateUnconfirmedError, ErrorCodes, isWaError, WaError } from '../errors.js';
import { State, stateOfTaskFailure } from './answer-state.js';
import { type CollectDeps, collectTask, RESULT_TRIES, type SubmittedTask } from './collect-task.js';
import type { JobExtras } from './job-extras.js';
import type { JobState } from './job-state.js';
import { JobWaits } from './job-waits.js';
import type { TaskProgress } from './progress.js';
import { planTaskSizes, type TaskSizing } from './task-plan.js';
import { taskKey, type JournalEntry, type TaskJournal } from '../store/task-journal.js';

export interface TaskRunnerDeps {
  client: WaClient;
  cache: ResultCache;
  journal: TaskJournal;
  /** Where each number's fate and the job's counts are recorded. */
  state: JobState;
  sizing: TaskSizing;
  /** The provider's minimum rows per task: no task is created with fewer. @default 0 */
  minRows?: number | undefined;
  /**
   * Finds `needed` cached numbers outside the job to fill a task up to `minRows` (the stale
   * top-up); absent with the `none` policy. Fewer than `needed` means the cache cannot.
   */
  topUp?: ((needed: number) => Promise<string[]>) | undefined;
  /** A richer product's job keeps each answer's extra columns for its output. */
  extras?: JobExtras | undefined;
  /** Numbers this job may still upload (maxSpend), or Infinity. */
  budget: number;
  /** The caller's stop: no new tasks, and polls end. An upload under way is cut off too. */
  signal: AbortSignal | undefined;
  /** Something changed that a progress display would show; `now` when it must not wait for the next tick. */
  changed: (now?: boolean) => void;
  /** In a fleet: slots shared by every worker on the key, and claims for the retry round. */
  fleet?: FleetPart | undefined;
}

/** What the runner needs of a fleet (fleet.ts). */
export interface FleetPart {
  /** A slot counted across the fleet (admission only: losing its lease never re-uploads). */
  acquireSlot(signal: AbortSignal): Promise<{ release(): Promise<void> } | undefined>;
  /** Claims numbers again for a retry; returns those now this worker's to upload. */
  claimAgain(numbers: readonly string[], state: JobState): Promise<string[]>;
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

/** Errors after which no new task is created: the account or the request itself is wrong. */
const FATAL = new Set<string>([
  ErrorCodes.UNAUTHORIZED,
  ErrorCodes.INSUFFICIENT_BALANCE,
  ErrorCodes.BAD_REQUEST,
  ErrorCodes.INSECURE_URL,
]);

/**
 * Runs the job's tasks: create (journaled before and after) -> poll -> download -> reconcile ->
 * store, at most `concurrency` at the provider at once. Numbers a task leaves unanswered are
 * tried once more in a later task.
 *
 * Two p-queues: `#slots` holds a task from its create until the provider's processing ends
 * (the provider frees its slot then, so ours frees too, and the next task starts processing
 * while this one is exported and downloaded); `#tasks` holds every task to its very end.
 */
export class TaskRunner {
  readonly running = new Map<string, TaskProgress>();
  /** The first error that stopped new tasks, if any. */
  fatal: WaError | undefined;
  /** Errors of tasks that were paid for but could not be collected; the next run resumes them. */
  readonly taskErrors: WaError[] = [];
  /** What the client waits for now (its `onWait` announcements), for progress. */
  readonly waits: JobWaits;
  readonly #deps: TaskRunnerDeps;
  readonly #collect: CollectDeps;
  /** Cached numbers outside the job that fill tasks up to the minimum: refreshed, never retried. */
  readonly #topUps = new Set<string>();
  /** The account cannot pay (a 402): no new task, the rest is `insufficient_balance`. */
  #unpaid = false;
  readonly #slots: PQueue;
  readonly #tasks = new PQueue();
  /** Ends polls and downloads when the job stops (see stop()); creates are left to finish. */
  readonly #stopCollecting = new AbortController();
  #stopped = false;
  #retry: string[] = [];
  /** Creates go out one at a time (see #createOneAtATime). */
  readonly #creates = new PQueue({ concurrency: 1 });
  /**
   * How long the last task took from taking its slot to the provider's answer to its create
   * (journal writes, the wait for the creates before it, the upload), to start the next task that
   * much before a slot frees. The upload alone left out the two durable journal writes and the
   * queue of creates when a round's slots free together: 0.3-1.3 s of idle slots per 1M job.
   */
  #createMs = 0;
  /** A journal or cache write that failed: the job must stop and say so. */
  #failure: { error: unknown } | undefined;
  /** When the provider asked us to come back (a Retry-After past the cap): no create until then. */
  #retryAt: number | undefined;

  constructor(deps: TaskRunnerDeps) {
    this.#deps = deps;
    this.#slots = new PQueue({ concurrency: deps.sizing.concurrency });
    this.waits = new JobWaits(deps.changed);
    const stop = this.#stopCollecting.signal;
    this.#collect = {
      waits: this.waits,
      client: deps.client,
      cache: deps.cache,
      journal: deps.journal,
      state: deps.state,
      signal: deps.signal ? AbortSignal.any([deps.signal, stop]) : stop,
      changed: deps.changed,
      isTopUp: (number) => this.#topUps.has(number),
      extras: deps.extras,
    };
  }

  /** Cached numbers the plan added to reach the minimum (see top-up.ts). */
  addTopUps(numbers: Iterable<string>): void {
    for (const number of numbers) this.#topUps.add(number);
  }

  /** When the provider asked to be called again, if it refused a create for longer than we wait. */
  get retryAt(): Date | undefined {
    return this.#retryAt === undefined ? undefined : new Date(this.#retryAt);
  }

  /**
   * Picks up a task a previous run submitted: polled and collected, never uploaded again. One
   * whose result file was rejected is fetched once more with a fresh link, then only reported.
   */
  resume(entry: JournalEntry): void {
    const task = { id: entry.id, taskId: entry.taskId!, numbers: entry.numbers, resultError: entry.resultError };
    const rejected = entry.resultError;
    if (rejected && rejected.tries >= RESULT_TRIES) {
      this.taskErrors.push(
        new WaError(
          rejected.code,
          `Task ${task.taskId}: ${rejected.message ?? 'its result file was rejected'} (rejected ${rejected.tries} times, not downloaded again)`,
        ),
      );
      for (const number of task.numbers) this.#deps.state.settle(number, stateOfTaskFailure(rejected.code));
      return;
    }
    this.#inSlot((slotFree) => this.#collectTask(task, true, slotFree));
  }

  /**
   * The consumer is gone: no task is created from now on, polls and downloads end, and tasks at
   * the provider stay `submitted` in the journal for the next run to collect. A create already
   * sent is let finish, so that it is journaled as submitted rather than left unconfirmed.
   */
  stop(): void {
    this.#stopped = true;
    this.#stopCollecting.abort();
  }

  /** Resolves when no task is queued or under way; throws a failed journal or cache write. */
  async idle(): Promise<void> {
    // Only a task in a slot adds tasks (a 413 split), and only before it leaves its slot.
    await this.#slots.onIdle();
    await this.#tasks.onIdle();
    if (this.#failure) throw this.#failure.error;
  }

  /** Checks `numbers` in tasks (two rounds: the second for numbers the first left unanswered). */
  async check(numbers: NumberList): Promise<void> {
    await this.#round(numbers, true);
    await this.idle();
    let retry = this.#retry;
    this.#retry = [];
    // A task's `done` released its claims: the retry must hold them again before uploading.
    if (this.#deps.fleet && retry.length > 0) retry = await this.#deps.fleet.claimAgain(retry, this.#deps.state);
    retry = await this.#toMinimum(retry);
    await this.#round(retry, false);
    await this.idle();
  }

  /**
   * Numbers to retry, filled up to the minimum with stale cached numbers when there are too few
   * for a task; without enough of those, none is sent and they are `below_minimum`.
   */
  async #toMinimum(numbers: string[]): Promise<string[]> {
    const { topUp, state } = this.#deps;
    const minRows = this.#deps.minRows ?? 0;
    if (numbers.length === 0 || numbers.length >= minRows) return numbers;
    const extra = topUp ? await topUp(minRows - numbers.length) : [];
    if (numbers.length + extra.length >= minRows) {
      this.addTopUps(extra);
      return [...numbers, ...extra];
    }
    for (const number of numbers) state.settle(number, State.BELOW_MINIMUM);
    return [];
  }

  /**
   * Runs `work` (one task) in `#tasks`, and in one of the `concurrency` slots until `work` calls
   * `slotFree` or ends.
   */
  #inSlot(work: (slotFree: () => void) => Promise<void>): void {
    void this.#slots.add(async () => {
      const fleetSlot = await this.#fleetSlot();
      let slotFree!: () => void;
      const freed = new Promise<void>((resolve) => (slotFree = resolve));
      const task = work(slotFree).catch((error: unknown) => {
        this.#failure ??= { error };
      });
      void this.#tasks.add(() => task);
      await Promise.race([freed, task]);
      await fleetSlot?.release().catch(() => {}); // unreachable: the lease frees it
    });
  }

  /**
   * Plans the round's task sizes and queues them. A task's numbers become strings only when its
   * turn comes, so millions of numbers to check never sit in memory as strings all at once.
   */
  async #round(numbers: NumberList, firstTry: boolean): Promise<void> {
    const { state, sizing } = this.#deps;
    let affordable = Math.max(0, Math.min(numbers.length, this.#deps.budget - state.counts.numbersUploaded));
    if (affordable < (this.#deps.minRows ?? 0)) affordable = 0; // no task below the minimum
    for (let from = affordable; from < numbers.length; from += 10_000) {
      for (const number of numbers.slice(from, Math.min(numbers.length, from + 10_000)))
        state.settle(number, State.MAX_SPEND);
    }
    let at = 0;
    for (const size of planTaskSizes(affordable, sizing)) {
      const from = at;
      at += size;
      this.#inSlot(async (slotFree) => {
        const slotTakenAt = Date.now();
        const slice = numbers.slice(from, from + size);
        if (this.#holdBack(slice)) return;
        const entry = preparedEntry(slice);
        await this.#deps.journal.write(entry);
        await this.#createAndCollect(entry, firstTry, slotFree, slotTakenAt);
      });
    }
  }

  /**
   * The fleet's slot for a task, or none (no fleet, or the job is stopping). When the fleet's
   * Redis cannot be reached, the job fails: no task is created from then on (#holdBack), and a
   * task already at the provider is still collected.
   */
  async #fleetSlot(): Promise<{ release(): Promise<void> } | undefined> {
    try {
      return await this.#deps.fleet?.acquireSlot(this.#collect.signal);
    } catch (error) {
      if (!isWaError(error, ErrorCodes.ABORTED)) this.#failure ??= { error };
      return undefined;
    }
  }

  /** Settles `numbers` without a create when the job stopped or cannot go on; true if it did. */
  #holdBack(numbers: readonly string[]): boolean {
    const stopped = this.#stopped || this.#deps.signal?.aborted === true;
    if (!stopped && !this.fatal && !this.#failure && this.#retryAt === undefined && !this.#unpaid) return false;
    const why =
      this.fatal || this.#failure
        ? State.TASK_ERROR
        : stopped
          ? State.ABORTED
          : this.#unpaid
            ? State.INSUFFICIENT_BALANCE
            : State.RATE_LIMITED;
    for (const number of numbers) this.#deps.state.settle(number, why);
    return true;
  }

  async #createAndCollect(
    entry: JournalEntry,
    firstTry: boolean,
    slotFree: () => void,
    slotTakenAt = Date.now(),
  ): Promise<void> {
    const task = await this.#createOneAtATime(entry, firstTry, slotTakenAt);
    if (task)
      await this.#collectTask({ id: entry.id, taskId: task.taskId, numbers: entry.numbers }, firstTry, slotFree);
  }

  /**
   * Creates are serialized: a crash (or a lost answer) can then leave at most one task whose
   * payment is unconfirmed, instead of one per slot. A create takes well under a second and a
   * task minutes, so the slots stay just as busy.
   */
  async #createOneAtATime(
    entry: JournalEntry,
    firstTry: boolean,
    slotTakenAt: number,
  ): Promise<ProviderTask | undefined> {
    return this.#creates.add(() => this.#create(entry, firstTry, slotTakenAt));
  }

  async #create(entry: JournalEntry, firstTry: boolean, slotTakenAt: number): Promise<ProviderTask | undefined> {
    const { client, journal, state, signal } = this.#deps;
    const numbers = entry.numbers;
    // Never sent: forget the task; its numbers are planned again by the next run.
    if (this.#holdBack(numbers)) {
      await journal.remove(entry.id);
      return undefined;
    }
    await journal.write({ ...entry, state: 'uploading', updatedAt: Date.now() });
    let task: ProviderTask;
    try {
      task = await client.createTask(numbers, { signal, onWait: this.waits.listener });
      this.#createMs = Date.now() - slotTakenAt;
    } catch (error) {
      await this.#createFailed(entry, error, firstTry);
      return undefined;
    } finally {
      this.waits.over(CREATE_CALL);
    }
    await journal.write({ ...entry, state: 'submitted', taskId: task.taskId, updatedAt: Date.now() });
    state.taskCreated(numbers.length);
    return task;
  }

  async #createFailed(entry: JournalEntry, error: unknown, firstTry: boolean): Promise<void> {
    const { journal, state } = this.#deps;
    const numbers = entry.numbers;
    if (error instanceof CreateUnconfirmedError) {
      await journal.write({ ...entry, state: 'unconfirmed', updatedAt: Date.now() });
      state.createUnconfirmed(numbers.length);
      for (const number of numbers) state.settle(number, State.CREATE_UNCONFIRMED);
      return;
    }
    // Any other failure was answered by the provider as not done (or never sent): nothing paid.
    await journal.remove(entry.id);
    if (isWaError(error, ErrorCodes.FILE_TOO_LARGE) && numbers.length >= 2 * Math.max(1, this.#deps.minRows ?? 0)) {
      // 413 is free: split the task in two and go on.
      const half = Math.ceil(numbers.length / 2);
      for (const part of [numbers.slice(0, half), numbers.slice(half)]) {
        const smaller = preparedEntry(part);
        await journal.write(smaller);
        this.#inSlot((slotFree) => this.#createAndCollect(smaller, firstTry, slotFree));
      }
      return;
    }
    if (error instanceof RetryLaterError) {
      // Nothing was created or paid. Asking again before retryAt would only be refused: the
      // tasks in flight are collected, and the numbers not sent wait for a later run.
      this.#comeBackAt(error);
      for (const number of numbers) state.settle(number, State.RATE_LIMITED);
      return;
    }
    const aborted = isWaError(error, ErrorCodes.ABORTED);
    if (!aborted) this.#stopOn(error);
    for (const number of numbers) state.settle(number, stateOfTaskFailure(asWaError(error).code));
  }

  #comeBackAt(error: RetryLaterError): void {
    this.#retryAt = Math.max(this.#retryAt ?? 0, error.retryAt.getTime());
  }

  async #collectTask(task: SubmittedTask, firstTry: boolean, slotFree: () => void): Promise<void> {
    const progress: TaskProgress = { taskId: task.taskId, numbers: task.numbers.length, status: 'pending', checked: 0 };
    this.running.set(task.taskId, progress);
    this.#deps.changed();
    try {
      const collected = await collectTask(this.#collect, task, progress, slotFree, () => this.#createMs);
      if ('unanswered' in collected) {
        this.#unanswered(collected.unanswered, firstTry);
        return;
      }
      // Not collected: the task stays `submitted` in the journal, for the next run to collect.
      const { error } = collected;
      if (error instanceof ProviderUnreachableError) this.fatal ??= error;
      else if (error.code !== ErrorCodes.ABORTED) this.taskErrors.push(error);
      if (error instanceof RetryLaterError) this.#comeBackAt(error);
      for (const number of task.numbers) this.#deps.state.settle(number, stateOfTaskFailure(error.code));
    } finally {
      this.waits.over(task.taskId);
      this.running.delete(task.taskId);
      this.#deps.changed();
    }
  }

  #unanswered(numbers: readonly string[], firstTry: boolean): void {
    for (const number of numbers) {
      if (this.#topUps.has(number)) continue; // not the job's: its old answer stays
      if (firstTry) this.#retry.push(number);
      else this.#deps.state.settle(number, State.NOT_ANSWERED);
    }
  }

  #stopOn(error: unknown): void {
    const waError = asWaError(error);
    // A 402 stops new creates without failing the job: tasks in flight are collected, the rest
    // is reported `insufficient_balance` (the CLI exits 3).
    if (waError.code === ErrorCodes.INSUFFICIENT_BALANCE) {
      this.#unpaid = true;
      this.taskErrors.push(waError);
    }
    // A provider never reached is a wrong URL (or no network): no task was created, none will be.
    else if (FATAL.has(waError.code) || error instanceof ProviderUnreachableError) this.fatal ??= waError;
    else this.taskErrors.push(waError);
  }
}

/** The client's name for a create call, under which its waits are announced. */
const CREATE_CALL = 'task creation';

function preparedEntry(numbers: string[]): JournalEntry {
  return { id: taskKey(numbers), state: 'prepared', numbers, count: numbers.length, updatedAt: Date.now() };
}
