import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js/max';
import type { WaClient, WaClientOptions } from '../api/client.js';
import type { ResultCache } from '../store/result-cache.js';
import { DEFAULT_MAX_AGE_MS } from '../store/result-cache.js';
import { invalidOption } from '../errors.js';
import type { ColumnRef } from '../input/columns.js';
import type { ColumnsChosen, InputFormat } from '../input/read-input.js';
import { checkNonNegativeNumber, checkOneOf, checkPositiveInteger } from '../validate.js';
import { TOP_UP_POLICIES, type TopUpPolicy } from './cost-report.js';
import { defaultThreads } from '../worker/ingest-pool.js';
import type { JobProgress } from './progress.js';

export type { TopUpPolicy } from './cost-report.js';
import type { TaskJournal } from '../store/task-journal.js';
import { checkFleetOptions, type FleetOptions } from './fleet-options.js';

export interface CheckOptions {
  /** The provider client, or the options to make one. Not needed for a dry run. */
  client?: WaClient | WaClientOptions | undefined;
  /**
   * The cache folder (LevelDB). It also holds the task journal that makes jobs crash-safe.
   * Ignored when `cache` is given.
   */
  cacheDir?: string | undefined;
  /**
   * A fleet: workers on one Redis share answers, task slots, claims on numbers and the task
   * journal, so that overlapping lists are paid for once and at most `concurrency` tasks are open
   * per API key across every worker. Replaces `cacheDir`, `cache` and `journal`.
   * @example { url: 'redis://127.0.0.1:6379/0' }
   */
  redis?: FleetOptions | undefined;
  /** A ResultCache of your own, instead of `cacheDir`. */
  cache?: ResultCache | undefined;
  /** The journal to use with a `cache` of your own; in memory otherwise. */
  journal?: TaskJournal | undefined;
  /**
   * How long a cached answer is trusted, in ms; older numbers are checked again.
   * @default 30 days
   */
  maxAgeMs?: number | undefined;
  /** The phone column: a header name or a position (the first column is 1). Detected otherwise. */
  column?: ColumnRef | undefined;
  /** The column holding each row's region (ISO 3166 alpha-2). */
  countryColumn?: ColumnRef | undefined;
  /** The region of numbers written without an international prefix, e.g. `'CH'`. */
  country?: string | undefined;
  /** Forces the input format instead of detecting it. */
  format?: InputFormat | undefined;
  /**
   * Tasks in flight at once (the provider runs about 5 per key).
   * @default 5
   */
  concurrency?: number | undefined;
  /**
   * The smallest task.
   * @default 1
   */
  minTaskSize?: number | undefined;
  /**
   * The largest task.
   * @default 50_000
   */
  maxTaskSize?: number | undefined;
  /**
   * `'input'`: results in input order, each row as soon as it and the rows before it have
   * answers (tasks follow the input order, so output grows task by task). `'completion'`: rows
   * answered without the provider (cache, invalid) first, then the rest once the tasks are done.
   * Both in bounded memory.
   * @default 'input'
   */
  order?: 'input' | 'completion' | undefined;
  /** Refuse to upload more than this many numbers in this job (retries included). */
  maxSpend?: number | undefined;
  /**
   * When fewer numbers are left to check than the provider's minimum per task (v1: 500 for `ws`
   * and `ws_avatar`, 1,000 for `ws_active`; legacy: the client's `legacyMinRows`):
   * `'stale'` fills the task up to the minimum with the cached numbers whose answers are oldest,
   * so the money buys fresher answers (they replace the old ones in the cache); `'none'` pays
   * nothing and reports those numbers unanswered, `below_minimum`, for a later job that has
   * enough of them. A cache too small to fill the task falls back to `'none'`.
   * @default 'stale'
   */
  topUp?: TopUpPolicy | undefined;
  /**
   * The job's product's price per number, in the balance's currency (e.g. `0.0001`). With it, a
   * v1 job reads the balance before its first create and stops before paying when the balance
   * (or the day's limit) cannot cover the upload. Without it, only an empty balance or a spent
   * daily limit can be told.
   */
  pricePerNumber?: number | undefined;
  /** Do everything up to the first upload, and report what would be paid. */
  dryRun?: boolean | undefined;
  /** Upload again numbers whose create was never confirmed (it may have been paid already). */
  resubmitUnconfirmed?: boolean | undefined;
  /** Stops the job: no new tasks; tasks at the provider are picked up by the next run. */
  signal?: AbortSignal | undefined;
  /** Called as the job advances (at most a few times a second). */
  onProgress?: ((progress: JobProgress) => void) | undefined;
  /**
   * Results without the input's own columns. By default every result carries its row's other
   * cells (a file's columns, a record's fields) as `fields`, and `writeResults` writes them
   * before the result columns; `compact` leaves them out (the result columns only), and is the
   * fastest form.
   * @default false
   */
  compact?: boolean | undefined;
  /**
   * Called once, before the first result, with the phone and country columns the input is read
   * by and whether each was named or detected (files and byte streams; iterables have none).
   * @example
   * onColumns: ({ phone }) => console.error(`Phone column: ${phone.header ?? phone.position} (${phone.how})`)
   */
  onColumns?: ((columns: ColumnsChosen) => void) | undefined;
  /** Folder for the job's temporary spool file. @default the OS temp folder */
  tempDir?: string | undefined;
  /**
   * Worker threads that read and normalize an input file (each normalizes its share of the
   * rows; results keep the input order). At most 16. Streams and iterables are read in the
   * job's thread.
   * @default one per core but the job's own, at least 1, at most 3 (see bench/README.md)
   * @example { threads: 1 } // leave the other cores to other work
   */
  threads?: number | undefined;
}

const MAX_THREADS = 16;

export interface ResolvedCheckOptions extends CheckOptions {
  topUp: TopUpPolicy;
  maxAgeMs: number;
  country: CountryCode | undefined;
  concurrency: number;
  minTaskSize: number;
  maxTaskSize: number;
  order: 'input' | 'completion';
  dryRun: boolean;
  resubmitUnconfirmed: boolean;
  /** Whether rows carry their other cells: not `compact`. */
  carryColumns: boolean;
  threads: number;
}

export function resolveCheckOptions(options: CheckOptions): ResolvedCheckOptions {
  const resolved: ResolvedCheckOptions = {
    ...options,
    maxAgeMs: checkNonNegativeNumber('maxAgeMs', options.maxAgeMs ?? DEFAULT_MAX_AGE_MS),
    country: undefined,
    concurrency: checkPositiveInteger('concurrency', options.concurrency ?? 5),
    minTaskSize: checkPositiveInteger('minTaskSize', options.minTaskSize ?? 1),
    maxTaskSize: checkPositiveInteger('maxTaskSize', options.maxTaskSize ?? 50_000),
    order: checkOneOf('order', options.order ?? 'input', ['input', 'completion']),
    topUp: checkOneOf('topUp', options.topUp ?? 'stale', TOP_UP_POLICIES),
    dryRun: options.dryRun ?? false,
    resubmitUnconfirmed: options.resubmitUnconfirmed ?? false,
    carryColumns: !options.compact,
    threads: checkPositiveInteger('threads', options.threads ?? defaultThreads()),
  };
  if (resolved.threads > MAX_THREADS) invalidOption('threads', `at most ${MAX_THREADS}`, resolved.threads);
  if (options.country !== undefined) {
    const code = options.country.trim().toUpperCase();
    if (!isSupportedRegion(code))
      invalidOption('country', 'an ISO 3166 alpha-2 region such as CH or US', options.country);
    resolved.country = code;
  }
  if (resolved.minTaskSize > resolved.maxTaskSize)
    invalidOption('minTaskSize', `at most maxTaskSize (${resolved.maxTaskSize})`, resolved.minTaskSize);
  if (options.maxSpend !== undefined) checkNonNegativeNumber('maxSpend', options.maxSpend);
  if (options.pricePerNumber !== undefined) checkNonNegativeNumber('pricePerNumber', options.pricePerNumber);
  if (options.format !== undefined) checkOneOf('format', options.format, ['csv', 'txt', 'xlsx']);
  if (options.redis !== undefined) checkFleetOptions(options.redis, options.client);
  if (!options.dryRun && !options.client)
    invalidOption('client', 'a WaClient or its options (apiKey, userId) unless dryRun is set', options.client);
  return resolved;
}

/**
 * libphonenumber's own list of regions, loaded only when a job names a country: a file job
 * normalizes in its workers, and loading the library's metadata here cost ~75 ms of the job
 * thread's start-up for nothing. Its CommonJS build, since the check must stay synchronous.
 */
function isSupportedRegion(code: string): code is CountryCode {
  const library = createRequire(import.meta.url)('libphonenumber-js/max') as typeof import('libphonenumber-js/max');
  return library.isSupportedCountry(code);
}
