// Over 300 lines on purpose: `#pending`, `#queue` (with its fallback below the minimum) and the
// journal calls around an upload are one state with one owner; split, the order that keeps a
// number from being paid twice would be spread over files.
import PQueue from 'p-queue';
import type { WaClient } from '../api/client.js';
import { sleep } from '../api/clock.js';
import { isFresh, type ResultCache } from '../store/result-cache.js';
import { CreateUnconfirmedError, ErrorCodes, isWaError } from '../errors.js';
import { taskKey, type JournalEntry, type TaskJournal } from '../store/task-journal.js';
import type { NumberOutcome } from './client-task.js';
import type { FleetGate } from './fleet-gate.js';
import { keyToE164 } from '../dedupe/number-table.js';
import { oldestCachedNumbers } from '../store/oldest-answers.js';
import { withDefaults } from '../store/with-defaults.js';
import { type BelowMinimumCounts, sharesByPayer, type TopUpPolicy } from './top-up.js';

/** What the pool needs around it. */
export interface UpstreamPoolDeps {
  client: WaClient;
  cache: ResultCache;
  journal: TaskJournal;
  /** Called once an upstream task holding these numbers is created (and journaled). */
  onStarted: (numbers: readonly string[]) => Promise<void>;
  /**
   * Called with outcomes for numbers clients wait for. Its synchronous part must register them,
   * so that a number released from the pool right after cannot be missed by a waiting task.
   */
  onOutcomes: (outcomes: ReadonlyMap<string, NumberOutcome>) => Promise<void>;
  /** One structured event (never a key). */
  log: (event: Record<string, unknown>) => void;
  /** With a shared Redis: numbers are claimed fleet-wide before they are queued. */
  fleet?: FleetGate | undefined;
  /**
   * Called when numbers left below the minimum past `maxWaitMs` were handled by the top-up
   * policy, with what it meant for each client that queued them (for the usage ledger).
   */
  onBelowMinimum?: (counts: ReadonlyMap<string, BelowMinimumCounts>) => Promise<void>;
}

export interface UpstreamPoolOptions {
  /** How long queued numbers wait for others to join them before a task is cut, in ms. */
  gatherMs: number;
  /**
   * How long numbers below `minRows` wait for company before `topUp` decides, in ms, counted
   * from the oldest queued number.
   */
  maxWaitMs: number;
  /** What becomes of numbers still below the minimum after `maxWaitMs`. */
  topUp: TopUpPolicy;
  /** Rows an upstream task must hold and may hold (`WaClient.taskLimits`, `--task-size`). */
  minRows: number;
  maxRows: number;
  /** Upstream tasks open at once. */
  concurrency: number;
  /** Cached answers older than this are checked again. */
  maxAgeMs: number;
  /** Wait before collecting a submitted task again after an error, in ms. */
  collectRetryMs: number;
  /** With a fleet: how often the journal is read for tasks of dead workers to adopt, in ms. */
  adoptEveryMs: number;
}

/** How a client's numbers were served: answered by the cache, joined to a number already on its way, or queued to be paid. */
export interface RequestReport {
  fromCache: number;
  joined: number;
  queued: number;
  /** Numbers whose earlier upload was never confirmed: failed rather than paid a second time. */
  unconfirmed: number;
}

/**
 * The one place numbers go upstream. A number is in the pool (`#pending`) from its cache lookup
 * until its outcome is delivered, so clients asking for it meanwhile join it rather than pay for
 * it again. Queued numbers of all clients are cut together into tasks once `gatherMs` has passed
 * and there are at least `minRows` of them: a small list waits for company, up to `maxWaitMs`;
 * then the `topUp` policy fills the task with the oldest cached answers (refreshing them), or fails
 * the numbers unpaid. Every task is journaled before its upload and after it, so a crash never
 * leads to a second upload.
 */
export class UpstreamPool {
  readonly #deps: UpstreamPoolDeps;
  readonly #options: UpstreamPoolOptions;
  readonly #pending = new Set<string>();
  readonly #unconfirmed = new Set<string>();
  /** Numbers in upstream tasks that are created: a client joining one is `processing` at once. */
  readonly #upstream = new Set<string>();
  #queue: string[] = [];
  /** The client whose request queued each queued number, for the ledger of the fallback. */
  readonly #queuedBy = new Map<string, string>();
  #firstQueuedAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  #adoptTimer: NodeJS.Timeout | undefined;
  /** Journal entries this process writes or collects: never picked up twice. */
  readonly #handling = new Set<string>();
  readonly #tasks: PQueue;
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<void>>();

  constructor(deps: UpstreamPoolDeps, options: UpstreamPoolOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#tasks = new PQueue({ concurrency: options.concurrency });
  }

  /** Numbers waiting for company: below the minimum, or inside the gathering wait. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Picks up the journal: submitted tasks are collected again, never uploaded; tasks whose upload
   * may have happened stay unconfirmed, and their numbers fail instead of being paid twice. With
   * a fleet, it is read again every `adoptEveryMs` for the tasks of workers that died.
   */
  async resume(): Promise<void> {
    await this.#pickUp();
    if (this.#deps.fleet) {
      this.#adoptTimer = setInterval(() => this.#track(this.#pickUp()), this.#options.adoptEveryMs);
      this.#adoptTimer.unref();
    }
  }

  async #pickUp(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    for (const entry of await this.#deps.journal.open()) {
      if (this.#handling.has(entry.id)) continue; // this process is uploading or collecting it
      this.#handling.add(entry.id);
      if (entry.state === 'submitted' && entry.taskId) {
        for (const number of entry.numbers) this.#pending.add(number);
        this.#start(() => this.#collect(entry));
      } else if (entry.state === 'uploading' || entry.state === 'unconfirmed') {
        if (entry.state === 'uploading')
          await this.#deps.journal.write({ ...entry, state: 'unconfirmed', updatedAt: Date.now() });
        for (const number of entry.numbers) this.#unconfirmed.add(number);
      } else {
        await this.#deps.journal.remove(entry.id); // prepared: never sent
      }
    }
  }

  /** Numbers the pool would queue to be paid now: neither in the pool nor freshly cached. */
  async uncached(numbers: readonly string[]): Promise<number> {
    const candidates = numbers.filter((number) => !this.#pending.has(number) && !this.#unconfirmed.has(number));
    const found = await this.#deps.cache.getMany(candidates);
    const now = Date.now();
    return found.filter((answer) => !isFresh(answer, this.#options.maxAgeMs, now)).length;
  }

  /** Serves numbers a client waits for: from the cache, by joining, or by queueing them upstream. */
  async request(numbers: readonly string[], payer?: string): Promise<RequestReport> {
    const lookup: string[] = [];
    const failed = new Map<string, NumberOutcome>();
    let joined = 0;
    const joinedUpstream: string[] = [];
    for (const number of numbers) {
      if (this.#pending.has(number)) {
        joined++;
        if (this.#upstream.has(number)) joinedUpstream.push(number);
      } else if (this.#unconfirmed.has(number)) failed.set(number, 'fail');
      else {
        this.#pending.add(number);
        lookup.push(number);
      }
    }
    if (joinedUpstream.length > 0) this.#track(this.#deps.onStarted(joinedUpstream));
    const found = await this.#deps.cache.getMany(lookup);
    const now = Date.now();
    const hits = new Map<string, NumberOutcome>(failed);
    let misses: string[] = [];
    for (let i = 0; i < lookup.length; i++) {
      const answer = found[i];
      if (isFresh(answer, this.#options.maxAgeMs, now)) hits.set(lookup[i]!, answer.whatsapp);
      else misses.push(lookup[i]!);
    }
    const fleet = this.#deps.fleet;
    if (fleet && misses.length > 0) {
      const gate = await fleet.claim(misses);
      for (const [number, outcome] of gate.answered) hits.set(number, outcome);
      misses = gate.claimed;
      joined += gate.taken.length;
      if (gate.taken.length > 0) this.#track(this.#awaitOthers(fleet, gate.taken, payer));
    }
    this.#enqueue(misses, payer);
    // Answering from the cache may complete and export the task: the client need not wait for it.
    this.#track(this.#release(hits));
    return { fromCache: hits.size - failed.size, joined, queued: misses.length, unconfirmed: failed.size };
  }

  #enqueue(numbers: readonly string[], payer: string | undefined): void {
    if (numbers.length === 0) return;
    for (const number of numbers) {
      this.#queue.push(number);
      if (payer !== undefined) this.#queuedBy.set(number, payer);
    }
    this.#firstQueuedAt ??= Date.now();
    this.#schedule();
  }

  /** Numbers another worker holds: their answers come through the shared cache, or they become ours. */
  async #awaitOthers(fleet: FleetGate, taken: readonly string[], payer?: string): Promise<void> {
    const found = await fleet.awaitOthers(taken, this.#stop.signal);
    for (const number of found.unconfirmed) this.#unconfirmed.add(number);
    const outcomes = new Map(found.answered);
    for (const number of found.unconfirmed) outcomes.set(number, 'fail');
    this.#enqueue(found.claimed, payer);
    await this.#release(outcomes);
  }

  /** Stops cutting tasks and following them; journal writes under way finish first. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    clearInterval(this.#adoptTimer);
    this.#stop.abort();
    this.#tasks.clear();
    await Promise.allSettled([...this.#running]);
    // Claimed and never uploaded: free for the fleet at once (the client tasks ask again on restart).
    await this.#deps.fleet?.releaseHeld();
  }

  #schedule(): void {
    if (this.#stop.signal.aborted || this.#firstQueuedAt === undefined) return;
    const { gatherMs, maxWaitMs } = this.#options;
    const waited = Date.now() - this.#firstQueuedAt;
    if (waited < gatherMs) {
      this.#wake(gatherMs - waited);
      return;
    }
    this.#cut();
    if (this.#queue.length === 0) return;
    // Below the minimum: wait for company until maxWaitMs, then the policy decides.
    if (waited < maxWaitMs) this.#wake(maxWaitMs - waited);
    else this.#fallBack();
  }

  /** Runs `#schedule` again after `afterMs`, or sooner if a wake-up is already due sooner. */
  #wake(afterMs: number): void {
    const at = Date.now() + afterMs;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#schedule();
    }, afterMs);
  }

  /** Takes the queue (below the minimum, past the longest wait) and applies the top-up policy. */
  #fallBack(): void {
    const numbers = this.#takeQueue();
    const payers = numbers.map((number) => this.#queuedBy.get(number));
    for (const number of numbers) this.#queuedBy.delete(number);
    this.#track(this.#belowMinimum(numbers, payers));
  }

  async #belowMinimum(numbers: string[], payers: ReadonlyArray<string | undefined>): Promise<void> {
    const padding = this.#options.topUp === 'stale' ? await this.#paddingOrNone(numbers.length) : [];
    if (padding.length > 0) {
      this.#deps.log({ event: 'upstream-top-up', numbers: numbers.length, refreshed: padding.length });
      this.#start(() => this.#upload([...numbers, ...padding]));
    } else {
      this.#deps.log({ event: 'upstream-below-minimum', numbers: numbers.length, policy: this.#options.topUp });
      await this.#release(new Map(numbers.map((number) => [number, 'fail'])));
      await this.#deps.fleet?.release(numbers);
    }
    const outcome = padding.length > 0 ? { topUp: padding.length } : ({ failed: true } as const);
    await this.#deps.onBelowMinimum?.(sharesByPayer(payers, outcome));
  }

  /** The padding for a task of `size` numbers, or none (too few cached answers, or none readable). */
  async #paddingOrNone(size: number): Promise<string[]> {
    try {
      return (await this.#padding(this.#options.minRows - size)) ?? [];
    } catch (error) {
      // A cache that cannot be read through must not strand the numbers: they fail, unpaid.
      this.#deps.log({ event: 'upstream-top-up-failed', error: describe(error) });
      return [];
    }
  }

  /**
   * The oldest cached answers that fill a task up to the minimum, claimed as the pool's own (a
   * client asking for one meanwhile joins its refresh); undefined when the cache has too few.
   */
  async #padding(count: number): Promise<string[] | undefined> {
    const busy = (number: string) => this.#pending.has(number) || this.#unconfirmed.has(number);
    // A little more than needed: a client may ask for some of them while the cache is scanned.
    // A full read of the cache, only when the fallback fires (at most once per poolMaxWaitMs).
    const found = await oldestCachedNumbers(withDefaults(this.#deps.cache), (key) => !busy(keyToE164(key)), count + 64);
    let candidates = found.filter((number) => !busy(number));
    const fleet = this.#deps.fleet;
    if (fleet) candidates = await fleet.claimFree(candidates);
    // A number a client asked for during the awaits above is that client's request's now.
    const padding = candidates.filter((number) => !busy(number)).slice(0, count);
    const enough = padding.length === count;
    if (enough) for (const number of padding) this.#pending.add(number);
    // Claimed and not used (and not a client's since): free for the fleet again.
    await fleet?.release(candidates.filter((number) => !busy(number)));
    return enough ? padding : undefined;
  }

  /**
   * Cuts the queue into tasks of even size within the limits, as many as there are free upstream
   * slots (each at least `minRows`), so a few thousand numbers go up in parallel as their clients'
   * own tasks would have; or waits for more numbers.
   */
  #cut(): void {
    const { minRows, maxRows, concurrency } = this.#options;
    const total = this.#queue.length;
    if (total === 0 || total < minRows) return;
    const freeSlots = Math.max(1, concurrency - this.#tasks.pending - this.#tasks.size);
    const mostByMinimum = minRows > 0 ? Math.floor(total / minRows) : total;
    const count = Math.max(Math.ceil(total / maxRows), Math.min(freeSlots, mostByMinimum));
    const queue = this.#takeQueue();
    for (const number of queue) this.#queuedBy.delete(number);
    // Sizes differ by one at most: the smallest, floor(total / count), is at least minRows.
    const base = Math.floor(total / count);
    const larger = total % count;
    for (let i = 0, at = 0; i < count; i++) {
      const size = base + (i < larger ? 1 : 0);
      const numbers = queue.slice(at, at + size);
      at += size;
      this.#start(() => this.#upload(numbers));
    }
  }

  #takeQueue(): string[] {
    const queue = this.#queue;
    this.#queue = [];
    this.#firstQueuedAt = undefined;
    return queue;
  }

  #start(work: () => Promise<void>): void {
    this.#track(this.#tasks.add(work));
  }

  /** Work that runs on its own: its errors are logged, and `close()` waits for it. */
  #track(work: Promise<void>): void {
    const run = work.catch((error: unknown) => this.#deps.log({ event: 'upstream-error', error: describe(error) }));
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  async #upload(numbers: string[]): Promise<void> {
    if (this.#stop.signal.aborted) return; // never sent; the client tasks ask again on restart
    const entry: JournalEntry = {
      // The same numbers may go up again later (after a failed task): each upload its own entry.
      id: `${taskKey(numbers)}-${Date.now().toString(36)}`,
      state: 'uploading',
      numbers,
      count: numbers.length,
      updatedAt: Date.now(),
    };
    this.#handling.add(entry.id);
    const fleet = this.#deps.fleet;
    try {
      await this.#deps.journal.write(entry);
    } catch (error) {
      // A claim lapsed to another worker (this process stalled): nothing was sent; wait for them.
      if (!fleet || !isWaError(error, ErrorCodes.REDIS_LEASE_LOST)) throw error;
      this.#deps.log({ event: 'upstream-claims-lost', numbers: numbers.length, error: describe(error) });
      await this.#awaitOthers(fleet, numbers);
      return;
    }
    let taskId: string;
    try {
      // No abort signal: once an upload starts, its answer must be heard and journaled.
      taskId = (await this.#deps.client.createTask(numbers)).taskId;
    } catch (error) {
      if (error instanceof CreateUnconfirmedError) {
        await this.#deps.journal.write({ ...entry, state: 'unconfirmed', updatedAt: Date.now() });
        for (const number of numbers) this.#unconfirmed.add(number);
      } else {
        await this.#deps.journal.remove(entry.id); // refused: nothing was paid
        await fleet?.release(numbers);
      }
      this.#deps.log({ event: 'upstream-create-failed', numbers: numbers.length, error: describe(error) });
      await this.#release(new Map(numbers.map((number) => [number, 'fail'])));
      return;
    }
    const submitted: JournalEntry = { ...entry, state: 'submitted', taskId, updatedAt: Date.now() };
    await this.#deps.journal.write(submitted);
    this.#deps.log({ event: 'upstream-task-created', taskId, numbers: numbers.length });
    await this.#collect(submitted);
  }

  async #collect(entry: JournalEntry): Promise<void> {
    const { client, cache, journal } = this.#deps;
    const signal = this.#stop.signal;
    const taskId = entry.taskId!;
    for (const number of entry.numbers) this.#upstream.add(number);
    await this.#deps.onStarted(entry.numbers);
    for (;;) {
      try {
        const task = await client.waitForTask(taskId, { signal, expectedTotal: entry.numbers.length });
        const results = await client.collectResults(task, entry.numbers, { signal });
        const checkedAt = Date.now();
        await cache.putMany(
          [...results.answered].map(([number, whatsapp]) => [number, { whatsapp, checkedAt }] as const),
        );
        const outcomes = new Map<string, NumberOutcome>(results.answered);
        for (const number of results.unanswered) outcomes.set(number, 'fail');
        // Failures are in no cache: they reach the client tasks before the task is done in the
        // journal, so a crash in between collects the task again rather than paying for them.
        await this.#release(outcomes);
        await journal.write({ ...entry, state: 'done', updatedAt: Date.now() });
        this.#deps.log({
          event: 'upstream-task-done',
          taskId,
          answered: results.answered.size,
          failed: results.unanswered.length,
        });
        return;
      } catch (error) {
        if (signal.aborted) return; // stays submitted: collected after the restart
        if (isWaError(error, ErrorCodes.TASK_FAILED)) {
          await this.#release(new Map(entry.numbers.map((number) => [number, 'fail'])));
          await journal.write({ ...entry, state: 'done', updatedAt: Date.now() });
          this.#deps.log({ event: 'upstream-task-failed', taskId, error: describe(error) });
          return;
        }
        // Paid for: never given up on while the gateway runs.
        this.#deps.log({ event: 'upstream-collect-retry', taskId, error: describe(error) });
        await sleep(this.#options.collectRetryMs, signal).catch(() => undefined);
        if (signal.aborted) return;
      }
    }
  }

  /** Delivers outcomes, then lets the numbers go: a task registered before this sees them. */
  async #release(outcomes: ReadonlyMap<string, NumberOutcome>): Promise<void> {
    if (outcomes.size === 0) return;
    const delivered = this.#deps.onOutcomes(outcomes);
    for (const number of outcomes.keys()) {
      this.#pending.delete(number);
      this.#upstream.delete(number);
    }
    await delivered;
  }
}

function describe(error: unknown): string {
  if (isWaError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
