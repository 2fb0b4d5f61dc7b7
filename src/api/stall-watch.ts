import type { ResolvedGiveUp } from './client-options.js';
import type { TaskStatus } from './task.js';

export interface StallObservation {
  at: number;
  status: TaskStatus;
  total: number;
  done: number;
}

export interface StallVerdict {
  reason: 'pending' | 'no-progress';
  /** When the task was first seen pending, or last seen to move. */
  since: number;
  limitMs: number;
}

/**
 * Tells when to stop waiting for a task: pending for `pendingMs` since the wait began, or no
 * change of status or counters for `stalledMs`. A pure core: the caller supplies the times.
 */
export class StallWatch {
  readonly #limits: Pick<ResolvedGiveUp, 'pendingMs' | 'stalledMs'>;
  readonly #startedAt: number;
  #last: StallObservation | undefined;
  #movedAt: number;
  #stillSince: number | undefined;

  constructor(limits: Pick<ResolvedGiveUp, 'pendingMs' | 'stalledMs'>, startedAt: number) {
    this.#limits = limits;
    this.#startedAt = startedAt;
    this.#movedAt = startedAt;
  }

  /** When the reads began to show no change, while they do; undefined once the task moves. */
  get stillSince(): number | undefined {
    return this.#stillSince;
  }

  /** Records a read; returns a verdict once the task has been still for too long. */
  observe(observation: StallObservation): StallVerdict | undefined {
    const last = this.#last;
    const moved =
      !last || last.status !== observation.status || last.done !== observation.done || last.total !== observation.total;
    this.#last = observation;
    if (moved) {
      this.#movedAt = observation.at;
      this.#stillSince = undefined;
    } else {
      this.#stillSince ??= last.at;
    }
    if (observation.status === 'pending') {
      // Pending is counted from the start of the wait: a queue, not a task that stopped.
      const since = this.#startedAt;
      return observation.at - since >= this.#limits.pendingMs
        ? { reason: 'pending', since, limitMs: this.#limits.pendingMs }
        : undefined;
    }
    return observation.at - this.#movedAt >= this.#limits.stalledMs
      ? { reason: 'no-progress', since: this.#movedAt, limitMs: this.#limits.stalledMs }
      : undefined;
  }

  /** When the task will be given up on if nothing moves, so a wait never overshoots it. */
  get deadline(): number {
    return this.#last?.status === 'pending'
      ? this.#startedAt + this.#limits.pendingMs
      : this.#movedAt + this.#limits.stalledMs;
  }
}
