import type { Redact } from './redact.js';
import { ErrorCodes, WaError } from '../errors.js';
import { excerpt } from './status-errors.js';

/** The account's balance, as `GET /v1/balance` reports it. Reading it is free. */
export interface Balance {
  /** What is left to spend, in `currency`. */
  balance: number;
  currency?: string;
  credit?: number;
  /** Spent today, against `dailyLimit`. */
  usedToday?: number;
  dailyLimit?: number;
  /** When `usedToday` starts again from 0 (RFC 3339). */
  resetTime?: string;
}

/**
 * Parses a balance answer. Only `balance` is required: the other fields exist on some
 * deployments only. Amounts may come as JSON numbers or as decimal strings.
 */
export function parseBalance(text: string, redact: Redact = (shown) => shown): Balance {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new WaError(ErrorCodes.BAD_RESPONSE, `The balance answer is not JSON: "${excerpt(redact(text), 80)}".`, {
      cause,
      bodyExcerpt: excerpt(redact(text)),
    });
  }
  const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const balance = amount(record.balance);
  if (balance === undefined) {
    throw new WaError(ErrorCodes.BAD_RESPONSE, 'The balance answer has no valid `balance`.', {
      bodyExcerpt: excerpt(redact(text)),
    });
  }
  const nonEmptyText = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const currency = nonEmptyText(record.currency);
  const credit = amount(record.credit);
  const usedToday = amount(record.used_today);
  const dailyLimit = amount(record.daily_limit);
  const resetTime = nonEmptyText(record.reset_time);
  return {
    balance,
    ...(currency !== undefined && { currency }),
    ...(credit !== undefined && { credit }),
    ...(usedToday !== undefined && { usedToday }),
    ...(dailyLimit !== undefined && { dailyLimit }),
    ...(resetTime !== undefined && { resetTime }),
  };
}

function amount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}
