import { sleep } from './retry.js';

/** Where the client's polling takes its time from. Tests pass a virtual one to assert timing exactly. */
export interface Clock {
  /** Now, in ms since the epoch. */
  now(): number;
  /** Waits `ms`, or rejects with `WA_ABORTED` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };
