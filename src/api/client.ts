import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateUnconfirmedError, ErrorCodes, isWaError, WaError } from '../errors.js';
import { checkNonEmptyString, checkPositiveInteger } from '../validate.js';
import { readText, sendRequest, TransportError, type HttpResponse } from './http.js';
import { multipartUpload } from './multipart-body.js';
import { PollSchedule, type PollScheduleOptions } from './poll-schedule.js';
import { reconcile, type Reconciliation } from './reconcile.js';
import { downloadToFile } from './result-download.js';
import { readResultFile, type ResultRecord } from './result-reader.js';
import { resolveRetryOptions, sleep, withRetry, type ResolvedRetryOptions, type RetryOptions } from './retry.js';
import { errorFromStatus } from './status-errors.js';
import { parseTask, type ProviderTask } from './task.js';
import { requireSecureUrl } from './url-policy.js';

export const DEFAULT_API_URL = 'https://api.ekycpro.com';
const TASKS_PATH = '/wa/api/simple/tasks';

export interface WaClientOptions {
  /**
   * The API's base URL. `https:` is required except for loopback hosts (the simulator).
   * @default 'https://api.ekycpro.com'
   */
  apiUrl?: string;
  /** The account's API key. It is sent only to `apiUrl`'s origin and never printed. */
  apiKey: string;
  /** The account's user id. */
  userId: string;
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

/**
 * The provider's API: create a task, follow it sparingly, download and reconcile its results.
 * Retries live in one place (`withRetry`) with rules per kind of call; see `#shouldRetryCreate`.
 */
export class WaClient {
  readonly #apiUrl: URL;
  readonly #apiKey: string;
  readonly #userId: string;
  readonly #timeoutMs: number;
  readonly #downloadTimeoutMs: number;
  readonly #retry: ResolvedRetryOptions;
  readonly #poll: PollScheduleOptions;
  readonly #limits: { maxDownloadBytes: number; maxUnzippedBytes: number; maxRows: number };
  /** Numbers per second per task, learned from finished tasks to time the next ones' reads. */
  #learnedRate: number | undefined;
  /**
   * The shortest export seen, from the first read that found processing over to the read that
   * found the export: an upper bound that only comes down (see PollSchedule's expectedExportMs).
   */
  #learnedExportMs: number | undefined;

  constructor(options: WaClientOptions) {
    this.#apiUrl = requireSecureUrl(options.apiUrl ?? DEFAULT_API_URL, 'API URL');
    this.#apiKey = checkNonEmptyString('apiKey', options.apiKey);
    this.#userId = checkNonEmptyString('userId', options.userId);
    this.#timeoutMs = checkPositiveInteger('timeoutMs', options.timeoutMs ?? 30_000);
    this.#downloadTimeoutMs = checkPositiveInteger('downloadTimeoutMs', options.downloadTimeoutMs ?? 300_000);
    this.#retry = resolveRetryOptions(options.retry);
    this.#poll = { ...options.poll };
    this.#limits = {
      maxDownloadBytes: checkPositiveInteger(
        'limits.maxDownloadBytes',
        options.limits?.maxDownloadBytes ?? 512 * 1024 * 1024,
      ),
      maxUnzippedBytes: checkPositiveInteger(
        'limits.maxUnzippedBytes',
        options.limits?.maxUnzippedBytes ?? 2 * 1024 * 1024 * 1024,
      ),
      maxRows: checkPositiveInteger('limits.maxRows', options.limits?.maxRows ?? 20_000_000),
    };
  }

  /**
   * Uploads numbers (E.164) as one task. This is the call that costs money, so it is retried only
   * when the provider certainly did nothing; an answer lost after the upload went out throws
   * `CreateUnconfirmedError` with the numbers, because a retry could pay twice.
   */
  async createTask(numbers: readonly string[], options: CallOptions = {}): Promise<ProviderTask> {
    if (numbers.length === 0) throw new WaError(ErrorCodes.INVALID_OPTION, 'A task needs at least one number.');
    const upload = multipartUpload(this.#userId, numbers);
    return withRetry(
      async () => {
        let response: HttpResponse;
        try {
          response = await sendRequest({
            method: 'POST',
            url: new URL(TASKS_PATH, this.#apiUrl),
            headers: {
              'x-api-key': this.#apiKey,
              'content-type': upload.contentType,
              'content-length': upload.contentLength,
              accept: 'application/json',
            },
            body: upload.open(),
            timeoutMs: this.#timeoutMs,
            signal: options.signal,
            what: 'task creation',
          });
        } catch (error) {
          throw this.#unconfirmedIfSent(error, numbers);
        }
        let text: string;
        try {
          text = await readText(response, 'task creation');
        } catch (error) {
          throw this.#unconfirmedIfSent(error, numbers);
        }
        if (response.status === 200) {
          try {
            return parseTask(text, 'task creation');
          } catch (error) {
            // Something answered 200, but not with a task: the provider may have created it.
            throw new CreateUnconfirmedError(
              numbers,
              `The task creation answer could not be read, so the task may exist and be paid for. ${(error as Error).message}`,
              {
                cause: error,
                status: 200,
              },
            );
          }
        }
        const error = errorFromStatus(response.status, text, 'task creation', response.headers);
        if (response.status >= 500 && response.status !== 500) {
          // 502/503/504 come from a gateway in front of the provider, which may have created the task.
          throw new CreateUnconfirmedError(
            numbers,
            `${error.message} A gateway answered, so the task may exist and be paid for.`,
            {
              cause: error,
              status: response.status,
            },
          );
        }
        throw error;
      },
      (error) =>
        isWaError(error, ErrorCodes.RATE_LIMITED) ||
        (isWaError(error, ErrorCodes.SERVER_ERROR) && error.status === 500) ||
        isUnsentTransportFailure(error),
      this.#retry,
      options.signal,
    );
  }

  /** Reads a task's status (retried on 429, 5xx, timeouts and connection errors). */
  async getTask(taskId: string, options: CallOptions = {}): Promise<ProviderTask> {
    checkNonEmptyString('taskId', taskId);
    const url = new URL(`${TASKS_PATH}/${encodeURIComponent(taskId)}`, this.#apiUrl);
    url.searchParams.set('user_id', this.#userId);
    return withRetry(
      async () => {
        const response = await sendRequest({
          method: 'GET',
          url,
          headers: { 'x-api-key': this.#apiKey, accept: 'application/json' },
          timeoutMs: this.#timeoutMs,
          signal: options.signal,
          what: 'status read',
        });
        const text = await readText(response, 'status read');
        if (response.status !== 200) throw errorFromStatus(response.status, text, 'status read', response.headers);
        return parseTask(text, 'status read');
      },
      isRetryableRead,
      this.#retry,
      options.signal,
    );
  }

  /**
   * Polls until the task is exported and returns it (with its `resultUrl`); throws
   * `WA_TASK_FAILED` when the provider gives up on it. Reads are timed by `PollSchedule`.
   */
  async waitForTask(taskId: string, options: WaitOptions = {}): Promise<ProviderTask> {
    const startedAt = Date.now();
    const schedule = new PollSchedule(
      {
        ...this.#poll,
        expectedRate: this.#poll.expectedRate ?? this.#learnedRate,
        expectedExportMs: this.#poll.expectedExportMs ?? this.#learnedExportMs,
        expectedTotal: options.expectedTotal,
      },
      startedAt,
    );
    let firstProcessing: { at: number; done: number } | undefined;
    let firstCompletedAt: number | undefined;
    let delay = schedule.firstDelay();
    for (;;) {
      await sleep(delay, options.signal);
      const task = await this.getTask(taskId, options);
      options.onProgress?.(task);
      const at = Date.now();
      if (task.status === 'processing') firstProcessing ??= { at, done: task.success + task.failure };
      if (task.status === 'completed') firstCompletedAt ??= at;
      if (task.status === 'exported') {
        if (firstCompletedAt !== undefined)
          this.#learnedExportMs = Math.min(this.#learnedExportMs ?? Infinity, at - firstCompletedAt);
        if (firstProcessing && at > firstProcessing.at && task.total > firstProcessing.done) {
          // A lower bound on the rate (the task finished before this read): a safe prior.
          this.#learnedRate = ((task.total - firstProcessing.done) * 1000) / (at - firstProcessing.at);
        }
        return task;
      }
      if (task.status === 'failed') {
        throw new WaError(
          ErrorCodes.TASK_FAILED,
          `The provider reports task ${taskId} as failed (${task.success} checked, ${task.failure} failed).`,
        );
      }
      delay = schedule.nextDelay({ at, status: task.status, total: task.total, done: task.success + task.failure });
      if (task.status === 'processing' && schedule.predictedEndAt !== undefined) {
        // Measured between two reads while processing: the rate itself, a prior for the first
        // read of tasks created from now on (the next round's, created before this one ends).
        this.#learnedRate = (task.total * 1000) / schedule.processingMs!;
        options.onEndPredicted?.(schedule.predictedEndAt, schedule.processingMs!);
      }
    }
  }

  /**
   * Downloads a result file (retried on 5xx, timeouts and broken transfers) and streams its
   * records. The link is fetched without the API key.
   */
  async *downloadResults(resultUrl: string, options: CallOptions = {}): AsyncGenerator<ResultRecord> {
    const directory = await mkdtemp(join(tmpdir(), 'wa-check-download-'));
    try {
      const path = await withRetry(
        () =>
          downloadToFile(
            resultUrl,
            directory,
            {
              maxBytes: this.#limits.maxDownloadBytes,
              timeoutMs: this.#downloadTimeoutMs,
              maxRedirects: 5,
              secrets: [this.#apiKey],
            },
            options.signal,
          ),
        isRetryableRead,
        this.#retry,
        options.signal,
      );
      yield* readResultFile(path, directory, { ...this.#limits, secrets: [this.#apiKey] });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  /**
   * Downloads an exported task's results and reconciles them with the numbers submitted. An
   * expired link is replaced by a fresh one from a new status read.
   */
  async collectResults(
    task: ProviderTask,
    submitted: readonly string[],
    options: CallOptions = {},
  ): Promise<Reconciliation> {
    let current = task;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!current.resultUrl)
          throw new WaError(ErrorCodes.BAD_RESPONSE, `Task ${current.taskId} has no result link.`);
        return await reconcile(submitted, this.downloadResults(current.resultUrl, options));
      } catch (error) {
        if (!isWaError(error, ErrorCodes.LINK_EXPIRED) || attempt >= 1) throw error;
        current = await this.getTask(task.taskId, options);
      }
    }
  }

  /** Never shows the key, even to a debugger's inspector. */
  toJSON(): Record<string, string> {
    return { apiUrl: this.#apiUrl.origin, userId: this.#userId };
  }

  #unconfirmedIfSent(error: unknown, numbers: readonly string[]): unknown {
    if (error instanceof TransportError && error.requestSent) {
      return new CreateUnconfirmedError(
        numbers,
        `The task creation was sent but its answer was lost (${error.code}), so the task may exist and be paid for.`,
        { cause: error },
      );
    }
    return error;
  }
}

function isUnsentTransportFailure(error: unknown): boolean {
  return error instanceof TransportError && !error.requestSent && error.code !== ErrorCodes.ABORTED;
}

function isRetryableRead(error: unknown): boolean {
  if (error instanceof TransportError) return error.code !== ErrorCodes.ABORTED;
  return isWaError(error, ErrorCodes.RATE_LIMITED) || isWaError(error, ErrorCodes.SERVER_ERROR);
}
