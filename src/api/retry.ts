import { WaError } from '../errors.js';
import type { Clock } from './clock.js';
import { RetryLaterError, formatDuration } from './wait-errors.js';
import type { Announce } from './wait-events.js';

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

/** How one client retries: its backoff, the longest `Retry-After` it honours, its clock. */
export interface RetryPolicy extends ResolvedRetryOptions {
  maxRetryAfterMs: number;
  clock: Clock;
}

/** One call's side of a retry: what it is (for messages and wait events) and how to stop it. */
export interface RetryCall {
  what: string;
  taskId?: string | undefined;
  signal?: AbortSignal | undefined;
  announce: Announce;
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry` refuses, or retries run out. Backoff is capped
 * exponential with full jitter (a random wait from 0 to the cap), so a fleet of clients that
 * failed together does not retry together. A `retryAfterMs` from the provider is honoured up to
 * `maxRetryAfterMs`; beyond it, or when retries run out while it is asked, a `RetryLaterError`
 * says when to come back, rather than a silent sleep of an hour.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  policy: RetryPolicy,
  call: RetryCall,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const asked = askedWaitMs(error);
      if (!shouldRetry(error) || call.signal?.aborted) throw error;
      if (asked !== undefined && (asked > policy.maxRetryAfterMs || retry >= policy.retries))
        throw comeBackLater(error as WaError, asked, policy, call);
      if (retry >= policy.retries) throw error;
      const cap = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** retry);
      const delay = asked !== undefined ? Math.max(asked, Math.random() * cap) : Math.random() * cap;
      call.announce(delay, {
        what: asked !== undefined ? 'rate-limit' : 'retry',
        call: call.what,
        ...(call.taskId !== undefined && { taskId: call.taskId }),
        reason: error instanceof WaError ? `${error.code}${error.status ? ` (${error.status})` : ''}` : 'error',
      });
      await policy.clock.sleep(delay, call.signal);
    }
  }
}

/** The wait the provider asked for, when it is one: a malformed or absurd value is none. */
function askedWaitMs(error: unknown): number | undefined {
  if (!(error instanceof WaError)) return undefined;
  const asked = error.retryAfterMs;
  // Past ~285,000 years a Date is invalid: such a value is no request to honour or report.
  return asked !== undefined && Number.isFinite(asked) && asked >= 0 && asked < 8.64e15 / 2 ? asked : undefined;
}

function comeBackLater(error: WaError, askedMs: number, policy: RetryPolicy, call: RetryCall): RetryLaterError {
  const retryAt = policy.clock.now() + askedMs;
  const why =
    askedMs > policy.maxRetryAfterMs
      ? `longer than the client waits (giveUp.retryAfterMs: ${formatDuration(policy.maxRetryAfterMs)})`
      : `and ${policy.retries} retries did not get through`;
  return new RetryLaterError(
    error,
    retryAt,
    `${error.message} The provider asked to come back at ${new Date(retryAt).toISOString()} (in ${formatDuration(askedMs)}), ${why}: nothing was done by this ${call.what}; try again after that time.`,
  );
}
