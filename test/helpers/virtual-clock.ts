import type { Clock } from '../../src/api/clock.js';
import { sleep } from '../../src/api/retry.js';

/**
 * Time that passes only when the client waits: `sleep(ms)` moves it on by `ms` at once. Shared by
 * a simulator (`clock: clock.now`) and a client (`clock`), it makes polling exact and instant, on
 * any machine. For one waiter at a time (one `waitForTask()`), which is what it orders correctly.
 */
export class VirtualClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return sleep(0, signal); // rejects as the wall clock's sleep does
    this.#now += Math.max(0, ms);
  }
}
