import { e164ToKey, keyToE164 } from '../dedupe/number-table.js';
import type { CachedAnswer } from '../store/result-cache.js';
import { NumberClaims } from '../store/redis/number-claims.js';
import { RedisResultCache } from '../store/redis/redis-result-cache.js';
import { RedisTaskJournal } from '../store/redis/redis-task-journal.js';
import { type TaskSlot, TaskSlots } from '../store/redis/task-slots.js';
import { MemoryTaskJournal, type TaskJournal } from '../store/task-journal.js';
import { withDefaults, type CompleteResultCache } from '../store/with-defaults.js';
import { State } from './answer-state.js';
import { type FleetOptions, fleetApiKey } from './fleet-options.js';
import type { JobState } from './job-state.js';
import type { ResolvedCheckOptions } from './options.js';
import type { TaskRunner } from './run-tasks.js';

/** Numbers per claim call while planning: keeps each batch of strings small. */
const CLAIM_BATCH = 10_000;
/** Waiting numbers per ms of poll interval (see awaitTaken). */
const NUMBERS_PER_POLL_MS = 50;

/**
 * One job's part in a fleet (src/store/redis/README.md gives the order): the numbers it plans are
 * claimed before tasks are cut, those another worker holds are waited for in the shared cache,
 * and tasks left by dead workers are adopted from the shared journal and collected. Every task
 * at the provider also holds a fleet-wide slot (`acquireSlot`), so that at most `concurrency`
 * tasks are open per API key across the fleet.
 */
export class Fleet {
  readonly #claims: NumberClaims;
  readonly #slots: TaskSlots;
  readonly #journal: RedisTaskJournal;
  readonly #cache: CompleteResultCache;
  readonly #maxAgeMs: number;
  readonly #pollMs: number;
  readonly #adoptEveryMs: number;
  /** Journal entries this worker has seen or written: a later open() adopts only the others. */
  readonly #known = new Set<string>();
  readonly #stop = new AbortController();

  constructor(parts: {
    claims: NumberClaims;
    slots: TaskSlots;
    journal: RedisTaskJournal;
    cache: CompleteResultCache;
    maxAgeMs: number;
    pollMs: number;
    leaseMs: number;
  }) {
    this.#claims = parts.claims;
    this.#slots = parts.slots;
    this.#journal = parts.journal;
    this.#cache = parts.cache;
    this.#maxAgeMs = parts.maxAgeMs;
    this.#pollMs = parts.pollMs;
    this.#adoptEveryMs = parts.leaseMs;
  }

  /** The shared journal, remembering which entries are this worker's (see adoptDead). */
  get journal(): TaskJournal {
    return {
      write: (entry) => {
        this.#known.add(entry.id);
        return this.#journal.write(entry);
      },
      remove: (id) => this.#journal.remove(id),
      open: async () => {
        const entries = await this.#journal.open();
        for (const entry of entries) this.#known.add(entry.id);
        return entries;
      },
    };
  }

  /** A fleet-wide task slot, taken inside the runner's own. */
  acquireSlot(signal: AbortSignal): Promise<TaskSlot> {
    return this.#slots.acquire(signal);
  }

  /**
   * Claims the planned numbers: those now ours stay in the plan (in order); those answered
   * meanwhile by another worker are settled; those another worker holds are `taken`, to wait for.
   */
  async claimPlanned(numbers: Float64Array, state: JobState): Promise<{ mine: Float64Array; taken: string[] }> {
    const mine = new Float64Array(numbers.length);
    let count = 0;
    const taken: string[] = [];
    for (let from = 0; from < numbers.length; from += CLAIM_BATCH) {
      const batch = Array.from(numbers.subarray(from, from + CLAIM_BATCH), keyToE164);
      const found = await this.#claims.claimUnanswered(batch, this.#cache, this.#maxAgeMs);
      settleAnswered(state, found.answered);
      for (const number of found.claimed) mine[count++] = e164ToKey(number);
      taken.push(...found.taken);
    }
    return { mine: mine.subarray(0, count), taken };
  }

  /**
   * Claims again numbers a task left unanswered (its `done` released them) for the retry round.
   * Answers that landed meanwhile are settled; a number another worker took since is left to it
   * and reported unanswered here.
   */
  async claimAgain(numbers: readonly string[], state: JobState): Promise<string[]> {
    if (numbers.length === 0) return [];
    const found = await this.#claims.claimUnanswered(numbers, this.#cache, this.#maxAgeMs);
    settleAnswered(state, found.answered);
    for (const number of found.taken) state.settle(number, State.NOT_ANSWERED);
    return found.claimed;
  }

  /**
   * Waits for the numbers other workers hold, settling them as their answers land in the shared
   * cache; meanwhile, every lease, adopts the tasks of workers that died and has `runner`
   * collect them. Returns the numbers whose holder died before uploading: now ours, to check.
   */
  async awaitTaken(taken: readonly string[], state: JobState, runner: TaskRunner): Promise<string[]> {
    const ours: string[] = [];
    let waiting = taken;
    while (waiting.length > 0 && !this.#stop.signal.aborted) {
      const round = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#adoptEveryMs)]);
      const found = await this.#claims.awaitOthers(waiting, this.#cache, {
        maxAgeMs: this.#maxAgeMs,
        // Each poll reads and claims every waiting number: a long wait list is polled less
        // often (1M numbers: every 20 s), so that waiting workers do not load the shared Redis.
        pollMs: Math.max(this.#pollMs, Math.ceil(waiting.length / NUMBERS_PER_POLL_MS)),
        signal: round,
        journal: this.#journal,
      });
      settleAnswered(state, found.answered);
      for (const number of found.unconfirmed) state.settle(number, State.CREATE_UNCONFIRMED);
      ours.push(...found.claimed);
      waiting = found.taken;
      if (waiting.length > 0) await this.adoptDead(runner);
    }
    for (const number of waiting) state.settle(number, State.ABORTED);
    return ours;
  }

  /**
   * Adopts what workers whose lease ended left in the journal: a submitted task is collected by
   * `runner` (never uploaded again), one never sent is forgotten (its numbers' claims lapse to
   * whoever waits for them); an upload whose answer was lost is left `unconfirmed`, and the
   * workers waiting for its numbers report them so.
   */
  async adoptDead(runner: TaskRunner): Promise<void> {
    for (const entry of await this.#journal.open()) {
      if (this.#known.has(entry.id)) continue;
      this.#known.add(entry.id);
      if (entry.state === 'submitted' && entry.taskId) runner.resume(entry);
      else if (entry.state === 'prepared') await this.#journal.remove(entry.id);
    }
  }

  /** Stops waiting for other workers (the job ended or its consumer left). */
  stop(): void {
    this.#stop.abort();
  }

  /** Frees the numbers this worker claimed and did not upload, then disconnects. */
  async close(): Promise<void> {
    this.stop();
    await this.#claims.releaseHeld().catch(() => {}); // unreachable: they lapse after their lease
    await Promise.all([this.#claims.close(), this.#slots.close(), this.#journal.close(), this.#cache.close()]);
  }
}

function settleAnswered(state: JobState, answered: ReadonlyMap<string, CachedAnswer>): void {
  for (const [number, answer] of answered) state.answeredByFleet(number, answer.whatsapp === 'yes');
}

/** The stores of a fleet worker: the shared cache and journal, and the Fleet that holds them. */
export async function openFleet(
  fleet: FleetOptions,
  options: ResolvedCheckOptions,
): Promise<{ cache: CompleteResultCache; journal: TaskJournal; fleet: Fleet | undefined; close(): Promise<void> }> {
  const leaseMs = fleet.leaseMs ?? 60_000;
  const connection = { url: fleet.url, prefix: fleet.prefix, env: fleet.env };
  if (options.dryRun) {
    // Nothing is uploaded: the shared answers only. The shared journal is not opened, since
    // opening it adopts dead workers' tasks, which a dry run would not collect.
    const cache = withDefaults(await RedisResultCache.open(connection));
    return { cache, journal: new MemoryTaskJournal(), fleet: undefined, close: () => cache.close() };
  }
  const apiKey = fleetApiKey(fleet, options.client);
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const claims = await NumberClaims.open({ ...connection, leaseMs });
    opened.push(claims);
    const cache = await RedisResultCache.open(connection);
    opened.push(cache);
    const journal = await RedisTaskJournal.open({ ...connection, apiKey, leaseMs, claims });
    opened.push(journal);
    const slots = await TaskSlots.open({
      ...connection,
      apiKey,
      limit: options.concurrency,
      leaseMs,
      retryMs: fleet.pollMs,
    });
    const parts = { claims, slots, journal, cache: withDefaults(cache), maxAgeMs: options.maxAgeMs, leaseMs };
    const made = new Fleet({ ...parts, pollMs: fleet.pollMs ?? 1_000 });
    return { cache: parts.cache, journal: made.journal, fleet: made, close: () => made.close() };
  } catch (error) {
    await Promise.all(opened.map((store) => store.close().catch(() => {})));
    throw error;
  }
}
