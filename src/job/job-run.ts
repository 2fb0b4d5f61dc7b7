import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaClient } from '../api/client.js';
import type { WaError } from '../errors.js';
import { LevelResultCache } from '../store/level-result-cache.js';
import { MemoryResultCache } from '../store/memory-result-cache.js';
import { withDefaults, type CompleteResultCache } from '../store/with-defaults.js';
import { e164ToKey, NumberTable } from '../dedupe/number-table.js';
import type { InputSource } from '../input/read-input.js';
import { CacheLookup } from './cache-lookup.js';
import { answerOf, State, UNANSWERED_REASONS, type StateCode } from './answer-state.js';
import type { ResolvedCheckOptions } from './options.js';
import { emptyCounts, type CheckSummary, type JobCounts, type JobProgress } from './progress.js';
import { keyBatches } from './key-batches.js';
import type { IngestBatch } from './normalize-rows.js';
import { INVALID_ROW, ResultBlock } from './result-block.js';
import { RowFlags } from './row-flags.js';
import { readSpool, readSpoolKeys, SpoolWriter } from './spool.js';
import { planTaskSizes } from './task-plan.js';
import { MemoryTaskJournal, type TaskJournal } from '../store/task-journal.js';
import { keyList, TaskRunner } from './task-runner.js';

/** Rows held while the early cache scan runs, before reading waits for it. */
const WAITING_ROWS_LIMIT = 100_000;
const PROGRESS_INTERVAL_MS = 200;

/** One execution of a job: the state that lives from the first row read to the last written. */
export class JobRun {
  readonly #input: InputSource;
  readonly #options: ResolvedCheckOptions;
  readonly #counts: JobCounts = emptyCounts();
  readonly #table = new NumberTable(1 << 16);
  readonly #startedAt = Date.now();
  readonly #stop = new AbortController();
  #cache: CompleteResultCache | undefined;
  #ownsCache = false;
  #journal: TaskJournal | undefined;
  #spoolDir: string | undefined;
  #runner: TaskRunner | undefined;
  #phase: JobProgress['phase'] = 'reading';
  #lastProgress = 0;
  #dryRun: { numbers: number; tasks: number } | undefined;
  /** How many numbers ended in each state, counted once the job finished. */
  #finalStates: Uint32Array | undefined;
  /** For progress: numbers to check when checking began, and how many have been settled since. */
  #toCheck = 0;
  #settled = 0;
  /** Rows answered during pass 1 (the first rows, in input order). */
  #emittedRows = 0;
  /** Wakes pass 2 when it waits for an answer (see #emit). */
  #wakeEmitter: (() => void) | undefined;
  /** Rows whose number an earlier row already had. */
  readonly #duplicates = new RowFlags();
  /** Numbers a previous run left in the journal: in flight (to collect) or unconfirmed. */
  #journaled = new NumberTable(16);
  /** What resumed tasks settled for numbers not read from the input yet. */
  readonly #settledEarly = new NumberTable(16);

  constructor(input: InputSource, options: ResolvedCheckOptions) {
    this.#input = input;
    this.#options = options;
  }

  async *execute(): AsyncGenerator<ResultBlock> {
    const options = this.#options;
    const signal = options.signal ? AbortSignal.any([options.signal, this.#stop.signal]) : this.#stop.signal;
    await this.#openStores();
    this.#spoolDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'wa-check-job-'));
    const spoolPath = join(this.#spoolDir, 'rows.spool');

    const runner = options.dryRun ? undefined : this.#makeRunner(signal);
    await this.#readJournal(runner);
    // The cache can be read through while the input is read (in its worker): both take time.
    const lookup = new CacheLookup({
      cache: this.#cache!,
      table: this.#table,
      counts: this.#counts,
      maxAgeMs: options.maxAgeMs,
    });
    const earlyScan = lookup.scanWhileReading(this.#input);
    earlyScan.catch(() => {}); // awaited below; not unhandled if reading the input fails first
    const spool = new SpoolWriter(spoolPath);
    try {
      yield* this.#ingest(spool, earlyScan);
    } finally {
      await spool.close();
    }
    await lookup.lookUpUnknown(await earlyScan);
    this.#planUnknown();

    const counts = this.#table.countStates();
    const toCheck = await this.#numbersToCheck(spoolPath, counts[State.TO_CHECK]!);
    this.#toCheck = toCheck.length + counts[State.IN_FLIGHT]!;
    this.#phase = 'checking';
    this.#report(true);

    let checking: Promise<void> = Promise.resolve();
    if (options.dryRun) {
      this.#dryRun = { numbers: toCheck.length, tasks: planTaskSizes(toCheck.length, options).length };
      for (const key of toCheck) this.#table.set(key, State.DRY_RUN);
    } else if (runner) {
      checking = runner.check(keyList(toCheck));
    }
    const tasksDone = { done: false };
    const over = () => {
      tasksDone.done = true;
      this.#phase = 'writing';
    };
    const settled = checking.then(over, over);
    const afterTasks = async () => {
      await checking;
      if (runner?.fatal) throw runner.fatal;
    };

    if (options.order === 'completion') {
      // Rows answered without the provider go out now; the rest once the tasks are done.
      yield* this.#emit(spoolPath, isAnswerOrInvalid);
      await afterTasks();
      yield* this.#emit(spoolPath, (state) => !isAnswerOrInvalid(state));
    } else {
      // Tasks are planned in input order, so rows go out as the tasks answer them, in order;
      // a row without an answer waits for the end, when a wrong key or an empty balance fails
      // the job before any output claims a number unanswered.
      yield* this.#emit(spoolPath, () => true, { tasksDone, next: () => this.#nextSettle(settled), afterTasks });
      await afterTasks();
    }
    this.#phase = 'done';
    this.#finishCounts();
    this.#report(true);
  }

  summary(): CheckSummary {
    // At the end of a job, the count taken when it finished (a pass over millions of slots).
    const counts = this.#finalStates ?? this.#table.countStates();
    const byReason: Record<string, number> = {};
    for (const state of [
      State.TO_CHECK,
      State.IN_FLIGHT,
      State.NOT_ANSWERED,
      State.CREATE_UNCONFIRMED,
      State.MAX_SPEND,
      State.DRY_RUN,
      State.TASK_ERROR,
      State.ABORTED,
    ]) {
      const count = counts[state]!;
      const reason = UNANSWERED_REASONS[state]!;
      if (count > 0) byReason[reason] = (byReason[reason] ?? 0) + count;
    }
    return {
      ...this.#counts,
      unansweredByReason: byReason,
      savedByCache: this.#counts.cacheHits,
      dryRun: this.#dryRun,
      taskErrors: distinctErrors(this.#runner?.taskErrors ?? []),
      complete: this.#counts.unanswered === 0 && !this.#dryRun,
      elapsedMs: Date.now() - this.#startedAt,
    };
  }

  async dispose(): Promise<void> {
    // Stops any task still running if the consumer left early; the journal keeps what was paid.
    this.#stop.abort();
    // Its failure, if any, was already thrown by the job itself.
    if (this.#runner) await this.#runner.idle().catch(() => {});
    if (this.#ownsCache) await this.#cache?.close();
    if (this.#spoolDir) await rm(this.#spoolDir, { recursive: true, force: true });
  }

  async #openStores(): Promise<void> {
    const options = this.#options;
    if (options.cache) {
      this.#cache = withDefaults(options.cache);
      this.#journal = options.journal ?? new MemoryTaskJournal();
    } else if (options.cacheDir) {
      const cache = await LevelResultCache.open(options.cacheDir);
      this.#cache = cache;
      this.#ownsCache = true;
      this.#journal = cache.journal;
    } else {
      this.#cache = new MemoryResultCache();
      this.#journal = options.journal ?? new MemoryTaskJournal();
    }
  }

  #makeRunner(signal: AbortSignal): TaskRunner {
    const option = this.#options.client!;
    const client = option instanceof WaClient ? option : new WaClient(option);
    this.#runner = new TaskRunner({
      client,
      cache: this.#cache!,
      journal: this.#journal!,
      counts: this.#counts,
      sizing: this.#options,
      budget: this.#options.maxSpend ?? Number.POSITIVE_INFINITY,
      signal,
      settle: (number, state) => this.#settle(number, state),
      changed: () => this.#report(false),
    });
    return this.#runner;
  }

  /**
   * Reads what earlier runs left in the journal: submitted tasks are collected (never uploaded
   * again), unconfirmed ones block their numbers unless the user asked to resubmit them, and
   * prepared ones, never sent, are forgotten: their numbers are planned again.
   */
  async #readJournal(runner: TaskRunner | undefined): Promise<void> {
    const entries = await this.#journal!.open();
    for (const entry of entries) {
      if (entry.state === 'prepared') {
        if (runner) await this.#journal!.remove(entry.id);
      } else if (entry.state === 'submitted' && entry.taskId) {
        for (const number of entry.numbers) this.#journaled.add(e164ToKey(number), State.IN_FLIGHT);
        runner?.resume(entry);
      } else if (entry.state === 'uploading' || entry.state === 'unconfirmed') {
        if (this.#options.resubmitUnconfirmed && runner) {
          await this.#journal!.remove(entry.id);
        } else {
          for (const number of entry.numbers) this.#journaled.add(e164ToKey(number), State.CREATE_UNCONFIRMED);
        }
      }
    }
  }

  /**
   * Pass 1 on the job thread: dedupe each batch's numbers and, in input order, answer the rows
   * whose answers are already known (invalid, or found by the early cache scan) at once, up to
   * the first row that needs the provider. The rest is spooled to disk for pass 2, so a warm
   * run answered in pass 1 writes no spool at all.
   */
  async *#ingest(spool: SpoolWriter, earlyScan: Promise<boolean>): AsyncGenerator<ResultBlock> {
    const counts = this.#counts;
    let scanned = false;
    let scanDone = false;
    void earlyScan.then(
      (done) => {
        scanned = done;
        scanDone = true;
      },
      () => {
        scanDone = true;
      },
    );
    let answering = this.#options.order === 'input' && typeof this.#input === 'string';
    const waiting: HeldBatch[] = [];
    for await (const batch of keyBatches(this.#input, this.#options)) {
      const firstRow = counts.rows;
      const deduped = this.#dedupe(batch.keys);
      if (answering) {
        waiting.push({ batch, firstRow, deduped });
        // Memory stays bounded: past a limit, wait for the scan (the input worker waits too).
        if (!scanDone && counts.rows - firstRowOf(waiting) >= WAITING_ROWS_LIMIT) await earlyScan.catch(() => {});
        if (scanDone) {
          answering = scanned;
          if (answering) yield* this.#answerKnownRows(waiting);
          if (this.#emittedRows < counts.rows) {
            answering = false;
            for (const held of waiting) await this.#spoolUnanswered(spool, held);
          }
          waiting.length = 0;
        }
      } else {
        await this.#spoolUnanswered(spool, { batch, firstRow, deduped });
      }
      this.#report(false);
    }
    if (answering && waiting.length > 0) {
      if (await earlyScan) yield* this.#answerKnownRows(waiting);
      for (const held of waiting) await this.#spoolUnanswered(spool, held);
    }
  }

  /**
   * Counts a batch's rows and records which repeat an earlier row's number. Returns each row's
   * state as it stands now and its duplicate flag, so that answering the batch needs no second
   * lookup per row.
   */
  #dedupe(keys: Float64Array): Deduped {
    const counts = this.#counts;
    const table = this.#table;
    const states = new Uint8Array(keys.length);
    const duplicates = new Uint8Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const row = counts.rows++;
      if (key === 0) {
        counts.invalidRows++;
        states[i] = INVALID_ROW;
        continue;
      }
      const state = table.addOrGet(key, State.UNKNOWN);
      if (state === -1) {
        counts.uniqueNumbers++;
        states[i] = State.UNKNOWN;
      } else if (state === State.CACHED_YES_UNSEEN || state === State.CACHED_NO_UNSEEN) {
        // The first row of a number the cache scan put in the table.
        counts.uniqueNumbers++;
        counts.cacheHits++;
        states[i] = state === State.CACHED_YES_UNSEEN ? State.CACHE_YES : State.CACHE_NO;
        table.set(key, states[i]!);
      } else {
        counts.duplicateRows++;
        this.#duplicates.set(row);
        states[i] = state;
        duplicates[i] = 1;
      }
    }
    return { states, duplicates };
  }

  /** Spools the rows of a batch that pass 1 did not answer (those after #emittedRows). */
  async #spoolUnanswered(spool: SpoolWriter, { batch, firstRow }: HeldBatch): Promise<void> {
    const { keys, inputs, reasons } = batch;
    for (let i = Math.max(0, this.#emittedRows - firstRow); i < keys.length; i++) {
      const key = keys[i]!;
      if (key === 0) spool.addInvalid(reasons[i]!, inputs[i]!);
      else spool.addNumber(key, inputs[i]!);
    }
    await spool.flush();
  }

  /** Results for the rows of `batches`, in order, until one whose answer is not known yet. */
  *#answerKnownRows(batches: readonly HeldBatch[]): Generator<ResultBlock> {
    for (const { batch, firstRow, deduped } of batches) {
      if (firstRow !== this.#emittedRows) return;
      const { keys, inputs, reasons } = batch;
      const { states, duplicates } = deduped;
      let known = 0;
      for (; known < keys.length; known++) {
        const state = states[known]!;
        if (state === INVALID_ROW || answerOf(state) !== null) continue;
        // Unknown when deduped: the cache scan may have answered it since.
        const now = this.#table.get(keys[known]!);
        if (answerOf(now) === null) break;
        states[known] = now;
      }
      if (known > 0) {
        // The block is a view of the batch's columns; only the row numbers are new.
        const rows = new Uint32Array(known);
        for (let i = 0; i < known; i++) rows[i] = firstRow + i + 1;
        const whole = known === keys.length;
        yield new ResultBlock(known, {
          rows,
          keys: keys.subarray(0, known),
          states: states.subarray(0, known),
          duplicates: duplicates.subarray(0, known),
          inputs: whole ? inputs : inputs.slice(0, known),
          reasonCodes: reasons.subarray(0, known),
        });
        this.#emittedRows = firstRow + known;
      }
      if (known !== keys.length) return;
    }
  }

  /**
   * What the cache did not answer is checked, unless a resumed task already settled it or a
   * journaled task holds it.
   */
  #planUnknown(): void {
    // Setting a state moves no key, so the table can be walked while it changes: no copy of
    // what may be millions of keys.
    for (const key of this.#table.keysWithState(State.UNKNOWN)) {
      const early = this.#settledEarly.get(key);
      const journaled = this.#journaled.get(key);
      this.#table.set(key, early >= 0 ? early : journaled >= 0 ? journaled : State.TO_CHECK);
    }
  }

  #settle(number: string, state: StateCode): void {
    const key = e164ToKey(number);
    if (this.#wakeEmitter) {
      // Runs after the synchronous loop that settles a whole task's numbers.
      const wake = this.#wakeEmitter;
      this.#wakeEmitter = undefined;
      wake();
    }
    if (this.#table.set(key, state)) this.#settled++;
    // A task resumed from the journal can finish before the input is read: keep its word.
    else if (!this.#settledEarly.add(key, state)) this.#settledEarly.set(key, state);
  }

  /**
   * The numbers to upload, in the order their first rows come in the input (read back from the
   * spool's keys), so that tasks finish in input order and pass 2 can stream rows as they do.
   */
  async #numbersToCheck(spoolPath: string, count: number): Promise<Float64Array> {
    const toCheck = new Float64Array(count);
    if (count === 0) return toCheck;
    let index = 0;
    let row = this.#emittedRows; // the first spooled row, counted from 0
    for await (const keys of readSpoolKeys(spoolPath)) {
      for (let i = 0; i < keys.length; i++, row++) {
        const key = keys[i]!;
        if (key > 0 && !this.#duplicates.has(row) && this.#table.get(key) === State.TO_CHECK && index < count)
          toCheck[index++] = key;
      }
    }
    if (index !== count) {
      // Not expected (every number to check has its first row spooled); the table's order is as good.
      index = 0;
      for (const key of this.#table.keysWithState(State.TO_CHECK)) toCheck[index++] = key;
    }
    return toCheck;
  }

  /** Resolves when a number is settled or the tasks are over (`settled`). */
  #nextSettle(settled: Promise<unknown>): Promise<unknown> {
    return Promise.race([settled, new Promise<void>((resolve) => (this.#wakeEmitter = resolve))]);
  }

  /**
   * Pass 2: every spooled row (those after #emittedRows) joined with its number's answer, in
   * input order. With `waiting`, a row whose number has no answer yet waits for one (or for the
   * tasks to end) and what came before it goes out first.
   */
  async *#emit(
    spoolPath: string,
    include: (state: number) => boolean,
    waiting?: { tasksDone: { done: boolean }; next: () => Promise<unknown>; afterTasks: () => Promise<void> },
  ): AsyncGenerator<ResultBlock> {
    let row = this.#emittedRows;
    for await (const { keys, inputs } of readSpool(spoolPath)) {
      let results = new ResultBlock(keys.length);
      for (let i = 0; i < keys.length; i++) {
        row++;
        const key = keys[i]!;
        if (key <= 0) {
          if (include(-1)) results.addInvalid(row, inputs[i]!, -key);
          continue;
        }
        let state = this.#table.get(key);
        if (waiting && !waiting.tasksDone.done && answerOf(state) === null) {
          if (results.length > 0) yield results;
          results = new ResultBlock(keys.length - i);
          while (!waiting.tasksDone.done && answerOf(this.#table.get(key)) === null) await waiting.next();
          if (waiting.tasksDone.done) {
            await waiting.afterTasks(); // throws if the tasks failed
            waiting = undefined;
          }
          state = this.#table.get(key);
        }
        // row counts from 1; the duplicate flags are indexed from 0.
        if (include(state)) results.addNumber(row, inputs[i]!, key, state, this.#duplicates.has(row - 1));
      }
      if (results.length > 0) yield results;
    }
  }

  #finishCounts(): void {
    let answered = 0;
    const counts = this.#table.countStates();
    this.#finalStates = counts;
    for (const state of [State.CACHE_YES, State.CACHE_NO, State.API_YES, State.API_NO]) answered += counts[state]!;
    this.#counts.unanswered = this.#counts.uniqueNumbers - answered;
  }

  #report(force: boolean): void {
    const onProgress = this.#options.onProgress;
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - this.#lastProgress < PROGRESS_INTERVAL_MS) return;
    this.#lastProgress = now;
    onProgress({
      ...this.#counts,
      phase: this.#phase,
      toCheck: Math.max(0, this.#toCheck - this.#settled),
      tasksRunning: [...(this.#runner?.running.values() ?? [])].map((task) => ({ ...task })),
    });
  }
}

function isAnswerOrInvalid(state: number): boolean {
  return state === State.CACHE_YES || state === State.CACHE_NO || state < 0;
}

/** A batch read in pass 1 and held until its rows are answered or spooled. */
interface HeldBatch {
  batch: IngestBatch;
  firstRow: number;
  deduped: Deduped;
}

/** Each row's state right after dedupe (INVALID_ROW for a row without a number), and 1 where it repeats an earlier row. */
interface Deduped {
  states: Uint8Array;
  duplicates: Uint8Array;
}

function firstRowOf(waiting: ReadonlyArray<{ firstRow: number }>): number {
  return waiting[0]?.firstRow ?? 0;
}

/** The first few distinct task errors, as plain data for a summary. */
function distinctErrors(errors: readonly WaError[]): Array<{ code: string; message: string }> {
  const seen = new Map<string, { code: string; message: string }>();
  for (const error of errors) {
    const key = `${error.code}\u0000${error.message}`;
    if (!seen.has(key) && seen.size < 5) seen.set(key, { code: error.code, message: error.message });
  }
  return [...seen.values()];
}
