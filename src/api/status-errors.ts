import { ErrorCodes, WaError, type ErrorCode } from '../errors.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCodes.BAD_REQUEST,
  401: ErrorCodes.UNAUTHORIZED,
  402: ErrorCodes.INSUFFICIENT_BALANCE,
  404: ErrorCodes.TASK_NOT_FOUND,
  413: ErrorCodes.FILE_TOO_LARGE,
  429: ErrorCodes.RATE_LIMITED,
};

const ADVICE: Partial<Record<ErrorCode, string>> = {
  [ErrorCodes.UNAUTHORIZED]: 'Check the API key (WA_CHECK_API_KEY or --api-key-file).',
  [ErrorCodes.INSUFFICIENT_BALANCE]: 'Top up the account balance, then run the same command again.',
  [ErrorCodes.FILE_TOO_LARGE]: 'Use a smaller task size.',
  [ErrorCodes.RATE_LIMITED]: 'Too many requests; lower the concurrency.',
};

/** Turns an error answer from the provider into a typed error; the excerpt is short and key-free. */
export function errorFromStatus(
  status: number,
  bodyText: string,
  what: string,
  headers: { 'retry-after'?: string | undefined },
): WaError {
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCodes.SERVER_ERROR : ErrorCodes.BAD_RESPONSE);
  const bodyExcerpt = excerpt(bodyText);
  const detail = providerMessage(bodyText);
  const advice = ADVICE[code];
  return new WaError(
    code,
    `The ${what} was answered ${status}${detail ? `: ${detail}` : ''}.${advice ? ` ${advice}` : ''}`,
    { status, bodyExcerpt, retryAfterMs: parseRetryAfter(headers['retry-after']) },
  );
}

/** `Retry-After` in seconds or as an HTTP date, in ms. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function excerpt(text: string, length = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}

function providerMessage(bodyText: string): string | undefined {
  try {
    const body = JSON.parse(bodyText) as unknown;
    if (body && typeof body === 'object') {
      const message = (body as Record<string, unknown>).error ?? (body as Record<string, unknown>).message;
      if (typeof message === 'string') return excerpt(message, 120);
    }
  } catch {
    // Not JSON: the excerpt on the error is enough.
  }
  return undefined;
}
