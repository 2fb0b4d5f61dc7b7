import { CreateUnconfirmedError, ErrorCodes, isWaError } from '../errors.js';
import { TransportError } from './http.js';
import { neverConnectedCode } from './provider-reach.js';

// Which failures each kind of call may retry. Reads are free and idempotent; a create costs
// money and has no idempotency key, so it is retried only when the provider surely did nothing.

/** A create is retried on what the provider answered as free (429, 500) and on a request never fully sent. */
export function isRetryableCreate(error: unknown): boolean {
  return (
    isWaError(error, ErrorCodes.RATE_LIMITED) ||
    (isWaError(error, ErrorCodes.SERVER_ERROR) && error.status === 500) ||
    (error instanceof TransportError && !error.requestSent && error.code !== ErrorCodes.ABORTED)
  );
}

/** Status reads, balance reads and downloads are retried on 429, 5xx, timeouts and broken connections. */
export function isRetryableRead(error: unknown): boolean {
  if (error instanceof TransportError) return error.code !== ErrorCodes.ABORTED;
  return isWaError(error, ErrorCodes.RATE_LIMITED) || isWaError(error, ErrorCodes.SERVER_ERROR);
}

/**
 * A create whose whole request left before its answer was lost may have been paid for. One that
 * never connected (refused, unknown host, TLS) cannot have been, whatever the socket reported.
 */
export function unconfirmedIfSent(error: unknown, numbers: readonly string[]): unknown {
  if (error instanceof TransportError && error.requestSent && neverConnectedCode(error) === undefined) {
    return new CreateUnconfirmedError(
      numbers,
      `The task creation was sent but its answer was lost (${error.code}), so the task may exist and be paid for.`,
      { cause: error },
    );
  }
  return error;
}
