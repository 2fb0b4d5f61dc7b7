import { ErrorCodes, WaError } from '../errors.js';
import type { ProviderTask, TaskStatus } from './task.js';

/**
 * The provider asked the client to come back later (`Retry-After`) than it is willing to wait
 * (`giveUp.retryAfterMs`), or retries ran out while it kept asking. Nothing was done or paid by
 * the refused request. The code is the answer's (`WA_RATE_LIMITED` for a 429).
 */
export class RetryLaterError extends WaError {
  /** When the provider asked to be called again. */
  readonly retryAt: Date;

  constructor(error: WaError, retryAt: number, message: string) {
    super(error.code, message, {
      cause: error,
      ...(error.status !== undefined && { status: error.status }),
      ...(error.bodyExcerpt !== undefined && { bodyExcerpt: error.bodyExcerpt }),
      ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
    });
    this.name = 'RetryLaterError';
    this.retryAt = new Date(retryAt);
  }
}

/** Why a task was given up on: it never left the queue, or its counters stopped moving. */
export type StallReason = 'pending' | 'no-progress';

/**
 * `WA_TASK_STALLED`: a task made no progress for longer than `giveUp.pendingMs` (queued) or
 * `giveUp.stalledMs` (counters still), so this run stops waiting for it. It was created and
 * perhaps paid for and may still finish: keep its id and read it again in a later run.
 */
export class TaskStalledError extends WaError {
  readonly taskId: string;
  readonly reason: StallReason;
  /** The task's status at the last read. */
  readonly taskStatus: TaskStatus;
  /** When the task was last seen to move (or first seen pending), in clock ms. */
  readonly stalledSince: number;
  readonly lastSeen: ProviderTask;

  constructor(task: ProviderTask, reason: StallReason, stalledSince: number, limitMs: number) {
    const done = task.success + task.failure;
    const what =
      reason === 'pending'
        ? `has been pending for ${formatDuration(limitMs)} (giveUp.pendingMs)`
        : `has shown no progress for ${formatDuration(limitMs)} (giveUp.stalledMs; ${task.status}, ${done} of ${task.total} done)`;
    super(
      ErrorCodes.TASK_STALLED,
      `Task ${task.taskId} ${what}, so this run stops waiting for it. It may still finish at the provider: read it again later (a job keeps it for its next run).`,
    );
    this.name = 'TaskStalledError';
    this.taskId = task.taskId;
    this.reason = reason;
    this.taskStatus = task.status;
    this.stalledSince = stalledSince;
    this.lastSeen = task;
  }
}

/**
 * `WA_NETWORK` before the provider ever answered this client: the connection was refused, the
 * host is unknown or TLS failed, after a short retry (`giveUp.unreachableMs`). Nothing reached
 * the provider, so nothing was created or paid. Names the API's origin, never a path or a key.
 */
export class ProviderUnreachableError extends WaError {
  /** The API's origin, e.g. `https://api.example.com`. */
  readonly origin: string;
  /** The system's error code, e.g. `ECONNREFUSED`, `ENOTFOUND`. */
  readonly reason: string;

  constructor(origin: string, reason: string, what: string, cause: unknown) {
    super(
      ErrorCodes.NETWORK,
      `The ${what} could not reach the provider at ${origin} (${describeReason(reason)}); nothing was sent, nothing paid. Check the API URL (option apiUrl; wa-check: --api-url or WA_CHECK_API_URL).`,
      { cause },
    );
    this.name = 'ProviderUnreachableError';
    this.origin = origin;
    this.reason = reason;
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function describeReason(code: string): string {
  const known = REASONS[code];
  if (known) return `${code}: ${known}`;
  return isTlsFailureCode(code) ? `${code}: TLS failed` : code;
}

/** Certificate and handshake failures: the peer is not the provider we meant to reach. */
export function isTlsFailureCode(code: string): boolean {
  return /CERT|^ERR_TLS_|^ERR_SSL_|^EPROTO$/.test(code);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}
