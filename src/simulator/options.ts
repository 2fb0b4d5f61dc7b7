import { randomBytes } from 'node:crypto';
import { preciseNow } from './http-helpers.js';
import {
  checkFraction,
  checkNonEmptyString,
  checkNonNegativeNumber,
  checkPositiveInteger,
  checkPositiveNumber,
} from '../validate.js';

/** Ways real result files differ from the documented one. All off by default. */
export interface ResultQuirks {
  /**
   * The header row, e.g. `['number', 'activated']` or `['NUMBER', 'WhatsApp']`.
   * @default ['Number', 'whatsapp']
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
   * Time from `completed` to `exported`, in milliseconds.
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
   * The simulator's time, in ms since the epoch: task progress, link expiry and rate limits follow
   * it. Tests pass a virtual clock (shared with `WaClient`'s `clock`) to assert timing exactly.
   * @default the wall clock
   */
  clock?: () => number;
}

export type ResolvedSimulatorOptions = Required<Omit<SimulatorOptions, 'quirks' | 'rateLimit'>> & {
  rateLimit: { requests: number; windowMs: number } | null;
  quirks: ResultQuirks;
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
  if (resolved.rateLimit) {
    checkPositiveInteger('rateLimit.requests', resolved.rateLimit.requests);
    checkPositiveNumber('rateLimit.windowMs', resolved.rateLimit.windowMs);
  }
  if (resolved.quirks.repeatedRows !== undefined) checkFraction('quirks.repeatedRows', resolved.quirks.repeatedRows);
  if (resolved.quirks.extraRows !== undefined) checkNonNegativeNumber('quirks.extraRows', resolved.quirks.extraRows);
  return resolved;
}
