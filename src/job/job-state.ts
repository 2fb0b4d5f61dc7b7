import { e164ToKey, NumberTable } from '../dedupe/number-table.js';
import { INVALID_ROW, NO_NUMBER, NOT_IN_TABLE, State, type StateCode, UNANSWERED_REASONS } from './answer-state.js';
import type { AnswerBatch } from '../store/result-cache.js';
import { emptyCounts, type JobCounts } from './progress.js';
import { RowFlags } from './row-flags.js';

/**
 * Each row's state right after dedupe (INVALID_ROW for a row without a number), and 1 where it
 * repeats an earlier row.
 */
export interface Deduped {
  states: Uint8Array;
  duplicates: Uint8Array;
}

/** States that answer a number. */
const ANSWERED = [State.CACHE_YES, State.CACHE_NO, State.API_YES, State.API_NO] as const;
/** States of a number left without an answer, each with its reason (UNANSWERED_REASONS). */
const UNANSWERED = [
  State.TO_CHECK,
  State.IN_FLIGHT,
  State.NOT_ANSWERED,
  State.CREATE_UNCONFIRMED,
  State.MAX_SPEND,
  State.DRY_RUN,
  State.TASK_ERROR,
  State.ABORTED,
  State.RATE_LIMITED,
  State.TASK_STALLED,
  State.RESULT_INVALID,
  State.RESULT_TOO_LARGE,
  State.BELOW_MINIMUM,
  State.INSUFFICIENT_BALANCE,
  State.DAILY_LIMIT,
] as const;

/**
 * Keys whose slots are read ahead at once before they are probed one by one (NumberTable.touch):
 * the table is larger than the processor's caches, and a probe waits ~100 ns on memory.
 */
const TOUCH_AHEAD = 64;

/**
 * The one owner of a job's state: each unique number's state (the number table), which rows
 * repeat an earlier row's number, what a previous run left in the journal, and the counts. The
 * stages read it freely and change it only through the methods below, so each count moves in
 * one place. The per-row work (dedupe, reading the cache through) is done here in typed arrays.
 */
export class JobState {
  readonly #table = new NumberTable(1 << 16);
  /** What NumberTable.touch() read, kept so that its reads are not dropped. */
  #touched = 0;
  /** Rows (counted from 0) whose number an earlier row already had. */
  readonly #duplicates = new RowFlags();
  /** Numbers a previous run left in the journal: IN_FLIGHT (to collect) or CREATE_UNCONFIRMED. */
  readonly #journaled = new NumberTable(16);
  /** What resumed tasks settled for numbers not read from the input yet. */
  readonly #settledEarly = new NumberTable(16);
  readonly #counts: JobCounts = emptyCounts();
  #rowsAnsweredEarly = 0;
  /** For progress: numbers to check when checking began, and how many have been settled since. */
  #toCheck = 0;
  #settled = 0;
  /** Wakes pass 2 when it waits for an answer (see nextSettle). */
  #wake: (() => void) | undefined;
  /** How many numbers ended in each state, counted once when the job ended. */
  #finalStates: Uint32Array | undefined;
  #sourceColumns: readonly string[] | undefined;

  /** The names of the input's columns that results carry (source-record.ts); none when compact. */
  get sourceColumns(): readonly string[] | undefined {
    return this.#sourceColumns;
  }

  /** The reader chose the columns that rows carry. */
  carryColumns(names: readonly string[]): void {
    this.#sourceColumns = names;
  }

  /** The counts so far. Read them; they change only through this class's methods. */
  get counts(): Readonly<JobCounts> {
    return this.#counts;
  }

  /** Rows answered in pass 1: the first rows of the input, in order. */
  get rowsAnsweredEarly(): number {
    return this.#rowsAnsweredEarly;
  }

  /** Numbers still waiting to be uploaded or answered, for progress. */
  get toCheckLeft(): number {
    return Math.max(0, this.#toCheck - this.#settled);
  }

  /** A number's state, or NOT_IN_TABLE. */
  stateOf(key: number): number {
    return this.#table.get(key);
  }

  /** Whether the row (counted from 0) repeats an earlier row's number. */
  isDuplicateRow(row: number): boolean {
    return this.#duplicates.has(row);
  }

  /**
   * Counts a batch's rows and records which repeat an earlier row's number. Returns each row's
   * state as it stands now and its duplicate flag, so that answering the batch needs no second
   * lookup per row.
   */
  dedupe(keys: Float64Array): Deduped {
    const table = this.#table;
    const duplicateRows = this.#duplicates;
    const firstRow = this.#counts.rows;
    const states = new Uint8Array(keys.length);
    const duplicates = new Uint8Array(keys.length);
    // Counted in locals and written once per batch: the counts object's fields cost a load and
    // a store per row.
    let invalid = 0;
    let unique = 0;
    let hits = 0;
    let repeats = 0;
    for (let i = 0; i < keys.length; i++) {
      if ((i & (TOUCH_AHEAD - 1)) === 0) this.#readAhead(keys, i, keys.length);
      const key = keys[i]!;
      if (key === NO_NUMBER) {
        invalid++;
        states[i] = INVALID_ROW;
        continue;
      }
      // One probe per row: the slot serves both reading the state and answering the row.
      const slot = table.addOrFind(key, State.UNKNOWN);
      if (slot < 0) {
        unique++;
        states[i] = State.UNKNOWN;
        continue;
      }
      const state = table.stateAt(slot);
      if (state === State.CACHED_YES_UNSEEN || state === State.CACHED_NO_UNSEEN) {
        // The first row of a number the cache scan put in the table.
        unique++;
        hits++;
        const answered = state === State.CACHED_YES_UNSEEN ? State.CACHE_YES : State.CACHE_NO;
        states[i] = answered;
        table.setStateAt(slot, answered);
      } else {
        repeats++;
        duplicateRows.set(firstRow + i);
        states[i] = state;
        duplicates[i] = 1;
      }
    }
    const counts = this.#counts;
    counts.rows += keys.length;
    counts.invalidRows += invalid;
    counts.uniqueNumbers += unique;
    counts.cacheHits += hits;
    counts.duplicateRows += repeats;
    return { states, duplicates };
  }

  /** Pass 1 answered every row before `row` (counted from 0). */
  answeredEarlyUpTo(row: number): void {
    this.#rowsAnsweredEarly = row;
  }

  /** Makes room for `count` numbers more, before the cache is read through. */
  reserveForCache(count: number): void {
    this.#table.reserve(count);
  }

  /**
   * A batch of answers from the cache; only those checked within `maxAgeMs` of `now` count.
   * Each answers a number still UNKNOWN (one cache hit); with `unseenToo` (the input is still
   * being read), a number not read yet is kept as unseen, so that its first row is answered
   * without a second lookup. A number met again (an older answer, read newest first) is left as
   * it is. The whole batch in one call: the scan's per-answer work stays in one loop here.
   */
  takeCachedAnswers(batch: AnswerBatch, now: number, maxAgeMs: number, unseenToo: boolean): void {
    this.#counts.cacheHits += this.#hitsIn(batch, now, maxAgeMs, unseenToo);
  }

  /**
   * takeCachedAnswers' loop, which ends on nothing but its return: the first batch's loop is
   * compiled while it runs (on-stack replacement), and a count updated after the loop, not run
   * yet then, sent that code back to the interpreter at the end of each batch (`--trace-deopt`:
   * eight times in a 2M-row job).
   */
  #hitsIn(batch: AnswerBatch, now: number, maxAgeMs: number, unseenToo: boolean): number {
    const { length, keys, checkedAtSeconds, yes } = batch;
    let hits = 0;
    for (let i = 0; i < length; i++) {
      if ((i & (TOUCH_AHEAD - 1)) === 0) this.#readAhead(keys, i, length);
      if (now - checkedAtSeconds[i]! * 1000 <= maxAgeMs && this.#answerFromCache(keys[i]!, yes[i] === 1, unseenToo))
        hits++;
    }
    return hits;
  }

  /** Reads ahead the table slots of keys[at, at + TOUCH_AHEAD), before `end` (see TOUCH_AHEAD). */
  #readAhead(keys: Float64Array, at: number, end: number): void {
    this.#touched ^= this.#table.touch(keys, at, Math.min(end, at + TOUCH_AHEAD));
  }

  /** A fresh answer from the cache for one number (see takeCachedAnswers). */
  takeCachedAnswer(key: number, yes: boolean, unseenToo: boolean): void {
    if (this.#answerFromCache(key, yes, unseenToo)) this.#counts.cacheHits++;
  }

  /** Answers a number from the cache if it is still UNKNOWN (true: one cache hit), in one probe. */
  #answerFromCache(key: number, yes: boolean, unseenToo: boolean): boolean {
    const table = this.#table;
    const slot = unseenToo
      ? table.addOrFind(key, yes ? State.CACHED_YES_UNSEEN : State.CACHED_NO_UNSEEN)
      : table.find(key);
    if (slot < 0 || table.stateAt(slot) !== State.UNKNOWN) return false;
    table.setStateAt(slot, yes ? State.CACHE_YES : State.CACHE_NO);
    return true;
  }

  /** Numbers not looked up in the cache yet. Setting states while iterating is safe. */
  unknownNumbers(): Generator<number> {
    return this.#table.keysWithState(State.UNKNOWN);
  }

  /** A number held by a task a previous run left in the journal (IN_FLIGHT or CREATE_UNCONFIRMED). */
  holdForJournal(e164: string, state: typeof State.IN_FLIGHT | typeof State.CREATE_UNCONFIRMED): void {
    this.#journaled.add(e164ToKey(e164), state);
  }

  /**
   * What the cache did not answer is to be checked, unless a resumed task already settled it or
   * a journaled task holds it. Returns how many numbers are TO_CHECK.
   */
  planUnknown(): number {
    // Setting a state moves no key, so the table can be walked while it changes: no copy of
    // what may be millions of keys.
    for (const key of this.#table.keysWithState(State.UNKNOWN)) {
      const early = this.#settledEarly.get(key);
      const journaled = this.#journaled.get(key);
      this.#table.set(key, early !== NOT_IN_TABLE ? early : journaled !== NOT_IN_TABLE ? journaled : State.TO_CHECK);
    }
    const counts = this.#table.countStates();
    this.#toCheck = counts[State.TO_CHECK]! + counts[State.IN_FLIGHT]!;
    return counts[State.TO_CHECK]!;
  }

  /** Numbers to check, in table order. */
  numbersToCheck(): Generator<number> {
    return this.#table.keysWithState(State.TO_CHECK);
  }

  /** A dry run stops before uploading: these numbers would have been. */
  markDryRun(keys: Float64Array): void {
    this.holdBack(keys, State.DRY_RUN);
  }

  /**
   * Numbers planned but not to be uploaded in this job (below the minimum, beyond the day's
   * limit), with why. Keys outside the job (top-up numbers) are left alone.
   */
  holdBack(
    keys: Float64Array,
    state: typeof State.DRY_RUN | typeof State.BELOW_MINIMUM | typeof State.DAILY_LIMIT,
  ): void {
    for (const key of keys) if (this.#table.set(key, state)) this.#settled++;
  }

  /**
   * Whether a cached number may fill a task up to the minimum: it is not one of the job's
   * (numbers the cache scan put in the table unseen are not), and no task in the journal holds it.
   */
  isOutsideJob(key: number): boolean {
    const state = this.#table.get(key);
    const outside = state === NOT_IN_TABLE || state === State.CACHED_YES_UNSEEN || state === State.CACHED_NO_UNSEEN;
    return outside && this.#journaled.get(key) === NOT_IN_TABLE;
  }

  /** Cached numbers outside the job whose answers a task bought again (the stale top-up). */
  refreshedByTopUp(numbers: number): void {
    this.#counts.refreshed = (this.#counts.refreshed ?? 0) + numbers;
  }

  /** What became of a number sent to the provider (or held back from it). Wakes pass 2. */
  settle(e164: string, state: StateCode): void {
    const key = e164ToKey(e164);
    if (this.#wake) {
      // Runs after the synchronous loop that settles a whole task's numbers.
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
    if (this.#table.set(key, state)) this.#settled++;
    // A task resumed from the journal can finish before the input is read: keep its word.
    else if (!this.#settledEarly.add(key, state)) this.#settledEarly.set(key, state);
  }

  /** Resolves the next time a number is settled. */
  nextSettle(): Promise<void> {
    return new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** The provider confirmed a task of `numbers` numbers: they are paid for. */
  taskCreated(numbers: number): void {
    this.#counts.tasks++;
    this.#counts.numbersUploaded += numbers;
    this.#counts.numbersCharged += numbers;
  }

  /** A create went out and its answer was lost: perhaps paid, not answered. */
  createUnconfirmed(numbers: number): void {
    this.#counts.numbersUploaded += numbers;
    this.#counts.numbersUnconfirmed += numbers;
  }

  /**
   * Another worker of the fleet paid for this number and its answer is in the shared cache:
   * counted as a cache hit, since this job did not pay for it.
   */
  answeredByFleet(e164: string, yes: boolean): void {
    this.#counts.cacheHits++;
    this.settle(e164, yes ? State.CACHE_YES : State.CACHE_NO);
  }

  /** The provider answered `numbers` numbers (stored in the cache). */
  answeredByApi(numbers: number): void {
    this.#counts.answeredByApi += numbers;
  }

  /** Counts the final states once, at the end of the job (a pass over millions of slots). */
  finish(): void {
    const states = this.#table.countStates();
    this.#finalStates = states;
    let answered = 0;
    for (const state of ANSWERED) answered += states[state]!;
    this.#counts.unanswered = this.#counts.uniqueNumbers - answered;
  }

  /** Unanswered unique numbers by reason. */
  unansweredByReason(): Record<string, number> {
    const states = this.#finalStates ?? this.#table.countStates();
    const byReason: Record<string, number> = {};
    for (const state of UNANSWERED) {
      const count = states[state]!;
      const reason = UNANSWERED_REASONS[state]!;
      if (count > 0) byReason[reason] = (byReason[reason] ?? 0) + count;
    }
    return byReason;
  }
}
