import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateUnconfirmedError, ErrorCodes, isWaError, WaError } from '../errors.js';
import { checkNonEmptyString } from '../validate.js';
import { type Balance, parseBalance } from './balance.js';
import { type Dialect, dialectFor, type RequestPlan } from './dialects.js';
import {
  type CallOptions,
  DEFAULT_API_URL,
  resolveClientOptions,
  type WaClientOptions,
  type WaitOptions,
} from './client-options.js';
import { readText, sendRequest, type HttpResponse } from './http.js';
import { multipartUpload } from './multipart-body.js';
import { PollSchedule, type PollScheduleOptions, phaseOf } from './poll-schedule.js';
import { reconcile, type Reconciliation } from './reconcile.js';
import { downloadToFile } from './result-download.js';
import { readResultFile, type ResultRecord } from './result-reader.js';
import { withRetry, type ResolvedRetryOptions } from './retry.js';
import { isRetryableCreate, isRetryableRead, unconfirmedIfSent } from './retry-rules.js';
import type { ApiDialectName, Product, TaskLimits } from './products.js';
import { errorFromStatus } from './status-errors.js';
import { parseTask, type ProviderTask } from './task.js';
import { taskSizeErrorOf } from './task-size.js';
import type { Clock } from './clock.js';

export { DEFAULT_API_URL };

export type { CallOptions, WaClientOptions, WaitOptions } from './client-options.js';

/**
 * The provider's API: create a task, follow it sparingly, download and reconcile its results.
 * Retries live in one place (`withRetry`) with rules per kind of call; see `#shouldRetryCreate`.
 */
export class WaClient {
  readonly #apiUrl: URL;
  readonly #apiKey: string;
  readonly #userId: string | undefined;
  readonly #dialect: Dialect;
  readonly #product: Product;
  readonly #taskLimits: TaskLimits;
  readonly #timeoutMs: number;
  readonly #downloadTimeoutMs: number;
  readonly #retry: ResolvedRetryOptions;
  readonly #poll: PollScheduleOptions;
  readonly #limits: { maxDownloadBytes: number; maxUnzippedBytes: number; maxRows: number };
  readonly #clock: Clock;
  /** Numbers per second per task, learned from finished tasks to time the next ones' reads. */
  #learnedRate: number | undefined;
  /**
   * The shortest export seen, from the first read that found processing over to the read that
   * found the export: an upper bound that only comes down (see PollSchedule's expectedExportMs).
   */
  #learnedExportMs: number | undefined;

  constructor(options: WaClientOptions) {
    const resolved = resolveClientOptions(options);
    this.#apiUrl = resolved.apiUrl;
    this.#apiKey = resolved.apiKey;
    this.#userId = resolved.userId;
    this.#product = resolved.product;
    this.#taskLimits = resolved.taskLimits;
    this.#dialect = dialectFor(resolved.api, resolved.apiUrl, resolved.userId, resolved.product);
    this.#timeoutMs = resolved.timeoutMs;
    this.#downloadTimeoutMs = resolved.downloadTimeoutMs;
    this.#retry = resolved.retry;
    this.#poll = resolved.poll;
    this.#limits = resolved.limits;
    this.#clock = resolved.clock;
  }

  /** The API version this client speaks. */
  get api(): ApiDialectName {
    return this.#dialect.name;
  }

  /** The v1 product tasks are created for (`'ws'` under the legacy API, which has no other). */
  get product(): Product {
    return this.#product;
  }

  /** Rows a task of this client's API and product may hold: the planner sizes tasks within them. */
  get taskLimits(): TaskLimits {
    return { ...this.#taskLimits };
  }

  /**
   * Uploads numbers (E.164) as one task. This is the call that costs money, so it is retried only
   * when the provider certainly did nothing; an answer lost after the upload went out throws
   * `CreateUnconfirmedError` with the numbers, because a retry could pay twice. A row count the
   * product refuses is a `TaskSizeError` (`WA_BELOW_MINIMUM`, `WA_ABOVE_MAXIMUM`), free.
   */
  async createTask(numbers: readonly string[], options: CallOptions = {}): Promise<ProviderTask> {
    if (numbers.length === 0) throw new WaError(ErrorCodes.INVALID_OPTION, 'A task needs at least one number.');
    const create = this.#dialect.create();
    const upload = multipartUpload(create.fields, numbers);
    return withRetry(
      async () => {
        let response: HttpResponse;
        try {
          response = await sendRequest({
            method: 'POST',
            url: create.url,
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
          throw unconfirmedIfSent(error, numbers);
        }
        let text: string;
        try {
          text = await readText(response, 'task creation');
        } catch (error) {
          throw unconfirmedIfSent(error, numbers);
        }
        // 200 on some deployments, 202 on others: any success may have created (and charged) a task.
        if (response.status >= 200 && response.status < 300) {
          try {
            return parseTask(text, 'task creation');
          } catch (error) {
            // Something answered 200, but not with a task: the provider may have created it.
            throw new CreateUnconfirmedError(
              numbers,
              `The task creation answer could not be read, so the task may exist and be paid for. ${(error as Error).message}`,
              {
                cause: error,
                status: response.status,
              },
            );
          }
        }
        const error = errorFromStatus(response.status, text, 'task creation', response.headers);
        if (response.status === 400) throw taskSizeErrorOf(error, numbers.length, this.#taskLimits, this.#label);
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
      isRetryableCreate,
      this.#retry,
      options.signal,
    );
  }

  /** Reads a task's status (retried on 429, 5xx, timeouts and connection errors). */
  async getTask(taskId: string, options: CallOptions = {}): Promise<ProviderTask> {
    checkNonEmptyString('taskId', taskId);
    const text = await this.#read(this.#dialect.status(taskId), 'status read', options);
    return parseTask(text, 'status read');
  }

  /**
   * Reads the account's balance (`GET /v1/balance`, free). Asked too often it answers 429, and
   * 502 while the balance service is down: both are retried, then `WA_RATE_LIMITED` or
   * `WA_SERVER_ERROR`.
   */
  async balance(options: CallOptions = {}): Promise<Balance> {
    return parseBalance(await this.#read(this.#dialect.balance(), 'balance read', options));
  }

  /**
   * Polls until the task is exported and returns it (with its `resultUrl`); throws
   * `WA_TASK_FAILED` when the provider gives up on it. Reads are timed by `PollSchedule`.
   */
  async waitForTask(taskId: string, options: WaitOptions = {}): Promise<ProviderTask> {
    const clock = this.#clock;
    const startedAt = clock.now();
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
      await clock.sleep(delay, options.signal);
      const task = await this.getTask(taskId, options);
      options.onProgress?.(task);
      const at = clock.now();
      const done = task.success + task.failure;
      const phase = phaseOf(task);
      if (phase === 'processing') firstProcessing ??= { at, done };
      if (phase === 'completed') firstCompletedAt ??= at;
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
          `The provider reports task ${taskId} as failed${task.message ? `: ${task.message}` : ''} (${task.success} checked, ${task.failure} failed).`,
        );
      }
      delay = schedule.nextDelay({ at, status: phase, total: task.total, done });
      if (phase === 'processing' && schedule.predictedEndAt !== undefined) {
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
    return {
      apiUrl: this.#apiUrl.origin,
      api: this.#dialect.name,
      ...(this.#dialect.name === 'v1' && { product: this.#product }),
      ...(this.#userId !== undefined && { userId: this.#userId }),
    };
  }

  /** The product as errors name it. */
  get #label(): string {
    return this.#dialect.name === 'legacy' ? 'legacy API' : `product ${this.#product}`;
  }

  /** A free, retried read (status or balance): the answer's text, or a typed error. */
  async #read(plan: RequestPlan, what: string, options: CallOptions): Promise<string> {
    return withRetry(
      async () => {
        const form = plan.form && multipartUpload(plan.form);
        const response = await sendRequest({
          method: plan.method,
          url: plan.url,
          headers: {
            'x-api-key': this.#apiKey,
            accept: 'application/json',
            ...(form && { 'content-type': form.contentType, 'content-length': form.contentLength }),
          },
          ...(form && { body: form.open() }),
          timeoutMs: this.#timeoutMs,
          signal: options.signal,
          what,
        });
        const text = await readText(response, what);
        if (response.status !== 200) throw errorFromStatus(response.status, text, what, response.headers);
        return text;
      },
      isRetryableRead,
      this.#retry,
      options.signal,
    );
  }
}
