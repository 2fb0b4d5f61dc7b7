import type { PollScheduleOptions } from './poll-schedule.js';
import { API_DIALECTS, type ApiDialectName, PRODUCTS, type Product, type TaskLimits, taskLimits } from './products.js';
import type { ProviderTask } from './task.js';
import { type Clock, systemClock } from './clock.js';
import { resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions } from './retry.js';
import { isLoopbackHost, requireSecureUrl } from './url-policy.js';
import type { WaitListener } from './wait-events.js';
import { invalidOption } from '../errors.js';
import {
  checkNonEmptyString,
  checkNonNegativeNumber,
  checkOneOf,
  checkPositiveInteger,
  checkPositiveNumber,
} from '../validate.js';

/**
 * The shortest wait between two status reads of the provider: reads may be charged, and a task
 * takes minutes. A loopback API (the simulator at test speed) may be read every `MIN_SIMULATOR_POLL_MS`.
 */
export const MIN_POLL_INTERVAL_MS = 1000;
export const MIN_SIMULATOR_POLL_MS = 10;

/** When the client stops waiting. Each limit is in ms. */
export interface GiveUpOptions {
  /**
   * A task still `pending` (queued at the provider) this long after the wait for it began is
   * given up on for this run: `WA_TASK_STALLED` with its id. It may still run later.
   * @default 1_800_000 (30 min)
   */
  pendingMs?: number;
  /**
   * A task whose status and counters have not moved for this long (processing or exporting) is
   * given up on for this run: `WA_TASK_STALLED` with its id.
   * @default 900_000 (15 min)
   */
  stalledMs?: number;
  /**
   * The longest `Retry-After` honoured. A provider asking for more gets no silent sleep: the call
   * fails with `WA_RATE_LIMITED` (a `RetryLaterError`) whose `retryAt` says when to come back.
   * @default 300_000 (5 min)
   */
  retryAfterMs?: number;
  /**
   * Until the provider has answered once, a refused connection, an unknown host or a TLS failure
   * is retried for this long, then fails with `WA_NETWORK` (a `ProviderUnreachableError` naming
   * the URL's origin): a wrong `apiUrl` is reported in seconds, not after minutes of retries.
   * Once the provider has answered, such failures are retried like any other.
   * @default 2000
   */
  unreachableMs?: number;
}

export type ResolvedGiveUp = Required<GiveUpOptions>;

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
  /** When to stop waiting for a stuck task, a long `Retry-After` or an unreachable provider. */
  giveUp?: GiveUpOptions;
  /**
   * Called before every wait of `ANNOUNCED_WAIT_MS` (3 s) or more: the next status read of a task,
   * a retry, a `Retry-After`, a download. A progress line can show what is awaited and until when.
   * @example onWait: (w) => debug(`waiting for ${w.what} of ${w.taskId} until ${new Date(w.until).toISOString()}`)
   */
  onWait?: WaitListener | undefined;
  /**
   * The time source of every wait and timing decision. For tests and simulations on virtual time.
   * @default the system clock
   */
  clock?: Clock | undefined;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Like the client's `onWait`, for this call only (both are called). */
  onWait?: WaitListener | undefined;
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
  giveUp: ResolvedGiveUp;
  onWait: WaitListener | undefined;
  clock: Clock;
}

export function resolveClientOptions(options: WaClientOptions): ResolvedClientOptions {
  const api = checkOneOf('api', options.api ?? 'legacy', API_DIALECTS);
  const product = checkOneOf('product', options.product ?? 'ws', PRODUCTS);
  if (options.legacyMinRows !== undefined) checkNonNegativeNumber('legacyMinRows', options.legacyMinRows);
  const apiUrl = requireSecureUrl(options.apiUrl ?? DEFAULT_API_URL, 'API URL');
  return {
    apiUrl,
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
    poll: checkPoll(options.poll, apiUrl),
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
    giveUp: {
      pendingMs: checkPositiveNumber('giveUp.pendingMs', options.giveUp?.pendingMs ?? 30 * 60_000),
      stalledMs: checkPositiveNumber('giveUp.stalledMs', options.giveUp?.stalledMs ?? 15 * 60_000),
      retryAfterMs: checkNonNegativeNumber('giveUp.retryAfterMs', options.giveUp?.retryAfterMs ?? 5 * 60_000),
      unreachableMs: checkNonNegativeNumber('giveUp.unreachableMs', options.giveUp?.unreachableMs ?? 2000),
    },
    onWait: options.onWait,
    clock: options.clock ?? systemClock,
  };
}

/** Status reads may be charged: a floor of 0 read a stuck task 629 times in 5 s. */
function checkPoll(poll: WaClientOptions['poll'], apiUrl: URL): PollScheduleOptions {
  const checked = { ...poll };
  if (checked.floorMs !== undefined) {
    const simulator = isLoopbackHost(apiUrl.hostname);
    const minimum = simulator ? MIN_SIMULATOR_POLL_MS : MIN_POLL_INTERVAL_MS;
    if (typeof checked.floorMs !== 'number' || !(checked.floorMs >= minimum) || !Number.isFinite(checked.floorMs))
      invalidOption(
        'poll.floorMs',
        `at least ${minimum} ms between two status reads (reads may be charged${simulator ? '; the provider itself is read at most every second' : ''})`,
        checked.floorMs,
      );
  }
  if (checked.ceilingMs !== undefined) checkPositiveNumber('poll.ceilingMs', checked.ceilingMs);
  if (checked.noticeFloorMs !== undefined) checkPositiveNumber('poll.noticeFloorMs', checked.noticeFloorMs);
  return checked;
}
