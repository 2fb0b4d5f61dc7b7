import { ErrorCodes, WaError } from '../errors.js';

/**
 * Where the client's waits come from: the time now and a way to wait. Injected by tests (and
 * simulations) so every timing decision runs on virtual time, never on how fast a machine is.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** Waits `ms`, or rejects with `WA_ABORTED` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Node's timers overflow past this (a `TimeoutOverflowWarning`, then a 1 ms timer). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The machine's clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep,
};

/**
 * Waits `ms`, or rejects with `WA_ABORTED` as soon as `signal` aborts. A wait longer than a timer
 * can hold is taken in pieces (Infinity waits until aborted): a huge value must never become a
 * 1 ms timer, which a retry loop would turn into a busy loop.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  let left = Number.isNaN(ms) ? 0 : Math.max(0, ms);
  do {
    const piece = Math.min(left, MAX_TIMER_MS);
    await sleepOnce(piece, signal);
    left -= piece;
  } while (left > 0);
}

function sleepOnce(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortedError(signal: AbortSignal | undefined): WaError {
  return new WaError(ErrorCodes.ABORTED, 'Aborted.', { cause: signal?.reason });
}
