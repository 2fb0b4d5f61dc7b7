import { type Clock, systemClock } from './clock.js';
import type { PollScheduleOptions } from './poll-schedule.js';
import { API_DIALECTS, type ApiDialectName, PRODUCTS, type Product, type TaskLimits, taskLimits } from './products.js';
import type { ProviderTask } from './task.js';
import { resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions } from './retry.js';
import { requireSecureUrl } from './url-policy.js';
import { checkNonEmptyString, checkNonNegativeNumber, checkOneOf, checkPositiveInteger } from '../validate.js';

export const DEFAULT_API_URL = 'https://api.ekycpro.com';

export interface WaClientOptions {
  /**
   * The API's base URL. `https:` is required except for loopback hosts (the simulator).
   * @default 'https://api.ekycpro.com'
   */
  apiUrl?: string;
  /** The account's API key. It is sent only to `apiUrl`'s origin and never printed. */
  apiKey: string;
  /** The account's user id: required by the legacy API, optional in v1 (sent when given). */
  userId?: string | undefined;
  /**
   * Which version of the provider's API to speak: `'legacy'` (`/wa/api/simple/tasks`, the one
   * api-contract.md documents first) or `'v1'` (`/v1/tasks`, what a new account gets).
   * @default 'legacy'
   */
  api?: ApiDialectName | undefined;
  /**
   * The v1 product (`task_type`): `'ws'` (registered or not), `'ws_active'` (activity) or
   * `'ws_avatar'` (profile signals). Each has its own price and minimum rows per task.
   * @default 'ws'
   */
  product?: Product | undefined;
  /**
   * The legacy API's minimum rows per task, where the account's deployment enforces one
   * (the provider publishes 2,000). Only informs `taskLimits`; the provider has the last word.
   * @default 0
   */
  legacyMinRows?: number | undefined;
  /**
   * Timeout of one API request, in ms.
   * @default 30_000
   */
  timeoutMs?: number;
  /**
   * Timeout of one result download, in ms.
   * @default 300_000
   */
  downloadTimeoutMs?: number;
  /** Backoff of the retry layer. */
  retry?: RetryOptions;
  /** How sparingly status is polled. */
  poll?: Omit<PollScheduleOptions, 'expectedTotal'>;
  /**
   * Caps on a result download, against endless bodies and zip bombs.
   * @default { maxDownloadBytes: 512 MiB, maxUnzippedBytes: 2 GiB, maxRows: 20_000_000 }
   */
  limits?: { maxDownloadBytes?: number; maxUnzippedBytes?: number; maxRows?: number };
  /**
   * The time that status polling follows (reads, waits between them, learned rates).
   * @default the wall clock and `setTimeout`
   */
  clock?: Clock;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface WaitOptions extends CallOptions {
  /** Called with every status read. */
  onProgress?: ((task: ProviderTask) => void) | undefined;
  /** Numbers uploaded, to time the first read. */
  expectedTotal?: number | undefined;
  /**
   * Called after a read while processing once the end can be predicted from a measured rate:
   * when processing should be over, and how long it takes in all (ms).
   */
  onEndPredicted?: ((endAt: number, processingMs: number) => void) | undefined;
}

/** The options once checked and defaulted: a bad option fails at the constructor, by name. */
export interface ResolvedClientOptions {
  apiUrl: URL;
  apiKey: string;
  userId: string | undefined;
  api: ApiDialectName;
  product: Product;
  taskLimits: TaskLimits;
  timeoutMs: number;
  downloadTimeoutMs: number;
  retry: ResolvedRetryOptions;
  poll: PollScheduleOptions;
  limits: { maxDownloadBytes: number; maxUnzippedBytes: number; maxRows: number };
  clock: Clock;
}

export function resolveClientOptions(options: WaClientOptions): ResolvedClientOptions {
  const api = checkOneOf('api', options.api ?? 'legacy', API_DIALECTS);
  const product = checkOneOf('product', options.product ?? 'ws', PRODUCTS);
  if (options.legacyMinRows !== undefined) checkNonNegativeNumber('legacyMinRows', options.legacyMinRows);
  return {
    apiUrl: requireSecureUrl(options.apiUrl ?? DEFAULT_API_URL, 'API URL'),
    apiKey: checkNonEmptyString('apiKey', options.apiKey),
    // v1 deployments that expose no user id need none; legacy ones name tasks by it.
    userId:
      api === 'legacy' || options.userId !== undefined ? checkNonEmptyString('userId', options.userId) : undefined,
    api,
    product,
    taskLimits: taskLimits(api, product, options.legacyMinRows),
    timeoutMs: checkPositiveInteger('timeoutMs', options.timeoutMs ?? 30_000),
    downloadTimeoutMs: checkPositiveInteger('downloadTimeoutMs', options.downloadTimeoutMs ?? 300_000),
    retry: resolveRetryOptions(options.retry),
    poll: { ...options.poll },
    limits: {
      maxDownloadBytes: checkPositiveInteger(
        'limits.maxDownloadBytes',
        options.limits?.maxDownloadBytes ?? 512 * 1024 * 1024,
      ),
      maxUnzippedBytes: checkPositiveInteger(
        'limits.maxUnzippedBytes',
        options.limits?.maxUnzippedBytes ?? 2 * 1024 * 1024 * 1024,
      ),
      maxRows: checkPositiveInteger('limits.maxRows', options.limits?.maxRows ?? 20_000_000),
    },
    clock: options.clock ?? systemClock,
  };
}
