/**
 * Every error this package throws is a `WaError` with a stable `code`, so callers branch on the
 * code, never on the message. The README lists every code.
 */
export const ErrorCodes = {
  // The provider answered with an error status.
  BAD_REQUEST: 'WA_BAD_REQUEST',
  UNAUTHORIZED: 'WA_UNAUTHORIZED',
  INSUFFICIENT_BALANCE: 'WA_INSUFFICIENT_BALANCE',
  TASK_NOT_FOUND: 'WA_TASK_NOT_FOUND',
  FILE_TOO_LARGE: 'WA_FILE_TOO_LARGE',
  RATE_LIMITED: 'WA_RATE_LIMITED',
  SERVER_ERROR: 'WA_SERVER_ERROR',
  // The conversation with the provider went wrong.
  TIMEOUT: 'WA_TIMEOUT',
  NETWORK: 'WA_NETWORK',
  ABORTED: 'WA_ABORTED',
  BAD_RESPONSE: 'WA_BAD_RESPONSE',
  CREATE_UNCONFIRMED: 'WA_CREATE_UNCONFIRMED',
  TASK_FAILED: 'WA_TASK_FAILED',
  // A task made no progress for too long: this run gives up on it (it may still finish).
  TASK_STALLED: 'WA_TASK_STALLED',
  // A task's row count is outside the product's limits (a free 400): the planner must resize it.
  BELOW_MINIMUM: 'WA_BELOW_MINIMUM',
  ABOVE_MAXIMUM: 'WA_ABOVE_MAXIMUM',
  // The result file.
  LINK_EXPIRED: 'WA_LINK_EXPIRED',
  RESULT_TOO_LARGE: 'WA_RESULT_TOO_LARGE',
  RESULT_COLUMNS_NOT_FOUND: 'WA_RESULT_COLUMNS_NOT_FOUND',
  /** Not a workbook of the contract's shape: damaged, malformed, or laid out against the rules. */
  RESULT_INVALID: 'WA_RESULT_INVALID',
  // Local problems.
  INSECURE_URL: 'WA_INSECURE_URL',
  INVALID_OPTION: 'WA_INVALID_OPTION',
  INPUT_UNREADABLE: 'WA_INPUT_UNREADABLE',
  CACHE_LOCKED: 'WA_CACHE_LOCKED',
  CACHE_CORRUPT: 'WA_CACHE_CORRUPT',
  CACHE_UNWRITABLE: 'WA_CACHE_UNWRITABLE',
  // Shared stores of a fleet (src/store/redis).
  REDIS_UNAVAILABLE: 'WA_REDIS_UNAVAILABLE',
  REDIS_NOT_DURABLE: 'WA_REDIS_NOT_DURABLE',
  REDIS_LEASE_LOST: 'WA_REDIS_LEASE_LOST',
  /** A bug in this package (a TypeError, a RangeError...): never blamed on the provider. */
  INTERNAL: 'WA_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface WaErrorOptions {
  cause?: unknown;
  /** HTTP status of the answer that caused the error, when there was one. */
  status?: number;
  /** A short, key-free excerpt of the answer's body. */
  bodyExcerpt?: string;
  /** For `WA_RATE_LIMITED`: how long the provider asked us to wait. */
  retryAfterMs?: number;
}

export class WaError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: WaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WaError';
    this.code = code;
    this.status = options.status;
    this.bodyExcerpt = options.bodyExcerpt;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A create request went out but its answer never came back. The provider has no idempotency key
 * and no way to list tasks, so the task may exist and be paid for: retrying could pay twice.
 * The numbers travel with the error so the job layer can decide what to do with them.
 */
export class CreateUnconfirmedError extends WaError {
  readonly numbers: readonly string[];

  constructor(numbers: readonly string[], message: string, options: WaErrorOptions = {}) {
    super(ErrorCodes.CREATE_UNCONFIRMED, message, options);
    this.name = 'CreateUnconfirmedError';
    this.numbers = numbers;
  }
}

/**
 * Any failure as a `WaError` for summaries and reports: a `WaError` as it is, anything else as
 * `WA_INTERNAL` with the original as `cause`, so that a bug is never reported as a bad answer.
 */
export function asWaError(error: unknown): WaError {
  if (error instanceof WaError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new WaError(ErrorCodes.INTERNAL, `Internal error (a bug in wa-bulk-checker, please report it): ${detail}`, {
    cause: error,
  });
}

/** A bug in code (ours or a library's misuse), as opposed to a failure of the world outside. */
export function isProgrammingError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof EvalError
  );
}

export function isWaError(error: unknown, code?: ErrorCode): error is WaError {
  return error instanceof WaError && (code === undefined || error.code === code);
}

/** Throws `WA_INVALID_OPTION` with a message that says what was expected and what was given. */
export function invalidOption(name: string, expected: string, given: unknown): never {
  throw new WaError(
    ErrorCodes.INVALID_OPTION,
    `Option \`${name}\` should be ${expected}, got ${describeValue(given)}.`,
  );
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
