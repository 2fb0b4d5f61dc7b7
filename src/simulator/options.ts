import { randomBytes } from 'node:crypto';
import { PRODUCT_SPECS, PRODUCTS, type Product } from '../api/products.js';
import { preciseNow } from './http-helpers.js';
import {
  checkFraction,
  checkNonEmptyString,
  checkNonNegativeNumber,
  checkPositiveInteger,
  checkPositiveNumber,
} from '../validate.js';
import { invalidOption } from '../errors.js';

function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) invalidOption(name, 'a whole number >= 0', value);
}

/** Ways real result files differ from the documented one. All off by default. */
export interface ResultQuirks {
  /**
   * The number and answer headers, e.g. `['number', 'activated']` or `['NUMBER', 'WhatsApp']`;
   * a v1 product's extra columns follow them.
   * @default ['Number', 'whatsapp'] for legacy tasks, ['number', 'activated'] for v1 tasks
   */
  header?: readonly [string, string];
  /** Write numbers as numeric cells, without `+`. */
  numericCells?: boolean;
  /** Write numbers as text without the leading `+`. */
  noPlus?: boolean;
  /** Share of rows written twice, from 0 to 1. */
  repeatedRows?: number;
  /** How many rows for numbers that were never submitted. */
  extraRows?: number;
  /** Wrap the workbook in a `.zip`, as the sibling API does. */
  zip?: boolean;
  /** Added to `success` once processing is over, as in the provider's own 20010-of-20000 example. */
  counterDrift?: number;
}

/** What a task is priced and limited as: a legacy task, or a v1 product. */
export type PriceKey = 'legacy' | Product;
export const PRICE_KEYS: readonly PriceKey[] = ['legacy', ...PRODUCTS];

/** The account behind the key: what it may spend. */
export interface AccountOptions {
  /**
   * Money on the account at start, in `currency`. A create that costs more answers 402.
   * @default 1_000_000
   */
  balance?: number;
  /** @default 'USD' */
  currency?: string;
  /**
   * Price of one number per task kind. Illustrative: the provider's prices are on its pricing
   * page, not in its API; `ws` is the published ~$1 per 10,000.
   * @default { legacy: 0.0001, ws: 0.0001, ws_active: 0.0003, ws_avatar: 0.0005 }
   */
  pricePerNumber?: Partial<Record<PriceKey, number>>;
  /**
   * Money that may be spent per UTC day; beyond it, creates answer 402 until `reset_time`. With
   * it, the balance answer carries `status`, `credit`, `used_today`, `daily_limit`, `reset_time`
   * as some deployments do. `null`: no daily limit, and the balance answer is `{ balance }` only.
   * @default null
   */
  dailyLimit?: number | null;
  /** Credit shown in the detailed balance answer. @default 0 */
  credit?: number;
}

export const DEFAULT_PRICES: Readonly<Record<PriceKey, number>> = {
  legacy: 0.0001,
  ws: 0.0001,
  ws_active: 0.0003,
  ws_avatar: 0.0005,
};

export interface SimulatorOptions {
  /**
   * The API key the simulator accepts.
   * @default a random key, readable from the started simulator
   */
  apiKey?: string;
  /**
   * Host to listen on. Only loopback makes sense for a simulator.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Port of the API origin; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * Port of the download origin that serves result files; 0 picks a free one.
   * @default 0
   */
  downloadPort?: number;
  /**
   * Numbers checked per second per task (the real provider: about 12).
   * @default 12
   */
  numbersPerSecond?: number;
  /**
   * Tasks processed at once per key; later ones wait in `pending`.
   * @default 5
   */
  slotsPerKey?: number;
  /**
   * Time a new task waits in `pending` before processing can start, in milliseconds.
   * @default 1000
   */
  queueDelayMs?: number;
  /**
   * Time from `completed` to `exported`, in milliseconds. v1 tasks read `processing` with
   * every number done during it, as v1 lists no `completed`.
   * @default 2000
   */
  exportDelayMs?: number;
  /**
   * How long a result link stays valid, in milliseconds.
   * @default 86_400_000 (24 h)
   */
  linkTtlMs?: number;
  /**
   * Seed of the answer oracle.
   * @default 'wa-bulk-checker'
   */
  seed?: string;
  /**
   * Share of numbers with WhatsApp.
   * @default 0.6
   */
  yesShare?: number;
  /**
   * Share of numbers the provider fails to check (counted in `failure`, absent from the file).
   * @default 0
   */
  failureShare?: number;
  /**
   * Largest accepted upload, in bytes; larger ones answer 413.
   * @default 104_857_600 (100 MiB)
   */
  maxFileBytes?: number;
  /**
   * Requests allowed per key per window; beyond it, 429 with `Retry-After`. `null` turns it off.
   * @default { requests: 60, windowMs: 60_000 }
   */
  rateLimit?: { requests: number; windowMs: number } | null;
  /**
   * Share of API requests that answer 500 (free, nothing done), from 0 to 1.
   * @default 0
   */
  serverErrorRate?: number;
  /** Quirks of the result files. */
  quirks?: ResultQuirks;
  /**
   * Rows a task must hold, per task kind; fewer answer 400, not charged. The most, for every
   * kind, is 10,000,000.
   * @default { legacy: 0, ws: 500, ws_active: 1000, ws_avatar: 500 }
   */
  minRows?: Partial<Record<PriceKey, number>>;
  /**
   * The status of a successful create: 200 on some deployments, 202 on others.
   * @default 200
   */
  createStatus?: 200 | 202;
  /** The account's money. */
  account?: AccountOptions;
  /**
   * Balance reads allowed per key per window, beyond which `GET /v1/balance` answers 429.
   * `null` turns it off.
   * @default null
   */
  balanceRateLimit?: { requests: number; windowMs: number } | null;
  /**
   * The simulator's time, in ms since the epoch: task progress, link expiry and rate limits follow
   * it. Tests pass a virtual clock (shared with `WaClient`'s `clock`) to assert timing exactly.
   * @default the wall clock
   */
  clock?: () => number;
}

export type ResolvedSimulatorOptions = Required<
  Omit<SimulatorOptions, 'quirks' | 'rateLimit' | 'minRows' | 'account' | 'balanceRateLimit'>
> & {
  rateLimit: { requests: number; windowMs: number } | null;
  balanceRateLimit: { requests: number; windowMs: number } | null;
  quirks: ResultQuirks;
  minRows: Record<PriceKey, number>;
  account: Required<Omit<AccountOptions, 'pricePerNumber'>> & { pricePerNumber: Record<PriceKey, number> };
};

export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const resolved: ResolvedSimulatorOptions = {
    apiKey: options.apiKey ?? `sim_${randomBytes(12).toString('hex')}`,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    downloadPort: options.downloadPort ?? 0,
    numbersPerSecond: options.numbersPerSecond ?? 12,
    slotsPerKey: options.slotsPerKey ?? 5,
    queueDelayMs: options.queueDelayMs ?? 1000,
    exportDelayMs: options.exportDelayMs ?? 2000,
    linkTtlMs: options.linkTtlMs ?? 86_400_000,
    seed: options.seed ?? 'wa-bulk-checker',
    yesShare: options.yesShare ?? 0.6,
    failureShare: options.failureShare ?? 0,
    maxFileBytes: options.maxFileBytes ?? 100 * 1024 * 1024,
    rateLimit: options.rateLimit === undefined ? { requests: 60, windowMs: 60_000 } : options.rateLimit,
    serverErrorRate: options.serverErrorRate ?? 0,
    quirks: { ...options.quirks },
    minRows: {
      legacy: 0,
      ws: PRODUCT_SPECS.ws.minRows,
      ws_active: PRODUCT_SPECS.ws_active.minRows,
      ws_avatar: PRODUCT_SPECS.ws_avatar.minRows,
      ...options.minRows,
    },
    createStatus: options.createStatus ?? 200,
    account: {
      balance: options.account?.balance ?? 1_000_000,
      currency: options.account?.currency ?? 'USD',
      pricePerNumber: { ...DEFAULT_PRICES, ...options.account?.pricePerNumber },
      dailyLimit: options.account?.dailyLimit ?? null,
      credit: options.account?.credit ?? 0,
    },
    balanceRateLimit: options.balanceRateLimit ?? null,
    clock: options.clock ?? preciseNow,
  };
  checkNonEmptyString('apiKey', resolved.apiKey);
  checkNonNegativeNumber('port', resolved.port);
  checkNonNegativeNumber('downloadPort', resolved.downloadPort);
  checkPositiveNumber('numbersPerSecond', resolved.numbersPerSecond);
  checkPositiveInteger('slotsPerKey', resolved.slotsPerKey);
  checkNonNegativeNumber('queueDelayMs', resolved.queueDelayMs);
  checkNonNegativeNumber('exportDelayMs', resolved.exportDelayMs);
  checkPositiveNumber('linkTtlMs', resolved.linkTtlMs);
  checkFraction('yesShare', resolved.yesShare);
  checkFraction('failureShare', resolved.failureShare);
  checkPositiveInteger('maxFileBytes', resolved.maxFileBytes);
  checkFraction('serverErrorRate', resolved.serverErrorRate);
  for (const name of ['rateLimit', 'balanceRateLimit'] as const) {
    const limit = resolved[name];
    if (limit) {
      checkPositiveInteger(`${name}.requests`, limit.requests);
      checkPositiveNumber(`${name}.windowMs`, limit.windowMs);
    }
  }
  for (const key of PRICE_KEYS) {
    checkNonNegativeInteger(`minRows.${key}`, resolved.minRows[key]);
    checkNonNegativeNumber(`account.pricePerNumber.${key}`, resolved.account.pricePerNumber[key]);
  }
  checkNonNegativeNumber('account.balance', resolved.account.balance);
  checkNonNegativeNumber('account.credit', resolved.account.credit);
  checkNonEmptyString('account.currency', resolved.account.currency);
  if (resolved.account.dailyLimit !== null) checkNonNegativeNumber('account.dailyLimit', resolved.account.dailyLimit);
  if (resolved.createStatus !== 200 && resolved.createStatus !== 202)
    invalidOption('createStatus', '200 or 202', resolved.createStatus);
  if (resolved.quirks.repeatedRows !== undefined) checkFraction('quirks.repeatedRows', resolved.quirks.repeatedRows);
  if (resolved.quirks.extraRows !== undefined) checkNonNegativeNumber('quirks.extraRows', resolved.quirks.extraRows);
  return resolved;
}
