import type { Clock } from '../../src/api/clock.js';
import { ErrorCodes, WaError } from '../../src/errors.js';

/**
 * A clock whose time moves only when the client sleeps: every sleep returns at once (on the next
 * turn of the event loop) with the time advanced by it. Timing assertions then hold on any
 * machine. `sleeps` lists every wait asked for. Shared by a simulator (`clock: clock.now`) and a
 * client (`clock`), it makes polling exact and instant; for one waiter at a time.
 */
export class VirtualClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 10, 30, 12, 0, 0)) {
    this.#now = start;
  }

  /** An arrow, so a simulator can take it as its `clock` option unbound. */
  readonly now = (): number => this.#now;

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new WaError(ErrorCodes.ABORTED, 'Aborted.');
    this.sleeps.push(ms);
    this.#now += Math.max(0, ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
