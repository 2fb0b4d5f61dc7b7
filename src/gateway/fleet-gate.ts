import type { ResultCache } from '../store/result-cache.js';
import type { NumberClaims } from '../store/redis/number-claims.js';
import type { RedisTaskJournal } from '../store/redis/redis-task-journal.js';
import type { NumberOutcome } from './client-task.js';

/** What became of numbers asked of the fleet. */
export interface GateResult {
  /** Ours to pay for. */
  claimed: string[];
  /** Answered meanwhile by another worker. */
  answered: Map<string, NumberOutcome>;
  /** Held by another worker or its task: wait for them (`awaitOthers`). */
  taken: string[];
  /** Pinned to a task whose create was lost: failures, never paid again. */
  unconfirmed: string[];
}

/**
 * The money invariant across processes sharing one Redis (gateways and `check` workers): a
 * number is claimed before it is queued, so only one of them pays for it; the others wait for
 * its answer in the shared cache (src/store/redis/README.md, "Order of use"). The journal pins
 * the claims atomically with its `uploading` record and releases them with `done`.
 */
export class FleetGate {
  readonly #claims: NumberClaims;
  readonly #cache: ResultCache;
  readonly #journal: RedisTaskJournal;
  readonly #maxAgeMs: number;
  readonly #pollMs: number;

  constructor(claims: NumberClaims, cache: ResultCache, journal: RedisTaskJournal, maxAgeMs: number, pollMs = 1000) {
    this.#claims = claims;
    this.#cache = cache;
    this.#journal = journal;
    this.#maxAgeMs = maxAgeMs;
    this.#pollMs = pollMs;
  }

  /** Claims cache misses: read the cache again for those claimed (an answer may have landed). */
  async claim(misses: readonly string[]): Promise<GateResult> {
    const found = await this.#claims.claimUnanswered(misses, this.#cache, this.#maxAgeMs);
    return { claimed: found.claimed, answered: outcomesOf(found.answered), taken: found.taken, unconfirmed: [] };
  }

  /** Waits for numbers other workers hold; claims those whose holder died before uploading. */
  async awaitOthers(taken: readonly string[], signal: AbortSignal): Promise<GateResult> {
    const found = await this.#claims.awaitOthers(taken, this.#cache, {
      maxAgeMs: this.#maxAgeMs,
      pollMs: this.#pollMs,
      signal,
      journal: this.#journal,
    });
    return { ...found, answered: outcomesOf(found.answered) };
  }

  /** Claims cached numbers to refresh them (a top-up); those another worker holds are left out. */
  async claimFree(numbers: readonly string[]): Promise<string[]> {
    return (await this.#claims.claim(numbers)).claimed;
  }

  /** Lets go of claimed numbers that will not be uploaded (a refused task). */
  release(numbers: readonly string[]): Promise<void> {
    return this.#claims.release(numbers);
  }

  /** Lets go of every number claimed and not pinned: for a stop. */
  releaseHeld(): Promise<void> {
    return this.#claims.releaseHeld();
  }
}

function outcomesOf(answers: ReadonlyMap<string, { whatsapp: NumberOutcome }>): Map<string, NumberOutcome> {
  return new Map([...answers].map(([number, answer]) => [number, answer.whatsapp]));
}
