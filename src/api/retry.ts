import { ErrorCodes, WaError } from '../errors.js';

export interface RetryOptions {
  /**
   * Retries after the first try.
   * @default 5
   */
  retries?: number;
  /**
   * Backoff before the first retry, in ms; it doubles on each retry up to `maxDelayMs`.
   * @default 500
   */
  minDelayMs?: number;
  /**
   * The largest backoff, in ms.
   * @default 30_000
   */
  maxDelayMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  return {
    retries: options.retries ?? 5,
    minDelayMs: options.minDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
  };
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry` refuses, or retries run out. Backoff is capped
 * exponential with full jitter (a random wait from 0 to the cap), so a fleet of clients that
 * failed together does not retry together; a `retryAfterMs` from the provider is honoured.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  options: ResolvedRetryOptions,
  signal?: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (retry >= options.retries || !shouldRetry(error) || signal?.aborted) throw error;
      const cap = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** retry);
      const asked = error instanceof WaError ? error.retryAfterMs : undefined;
      await sleep(asked !== undefined ? Math.max(asked, Math.random() * cap) : Math.random() * cap, signal);
    }
  }
}

/** Waits `ms`, or rejects with `WA_ABORTED` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new WaError(ErrorCodes.ABORTED, 'Aborted.', { cause: signal.reason }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new WaError(ErrorCodes.ABORTED, 'Aborted.', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
