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
import { readText, type HttpResponse } from './http.js';
import { multipartUpload } from './multipart-body.js';
import type { PollScheduleOptions } from './poll-schedule.js';
import { reconcile, type Reconciliation } from './reconcile.js';
import { downloadToFile } from './result-download.js';
import type { ResultRecord } from './result-reader.js';
import type { Clock } from './clock.js';
import { ProviderReach } from './provider-reach.js';
import type { Redact } from './redact.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { isRetryableCreate, isRetryableRead, unconfirmedIfSent } from './retry-rules.js';
import type { ApiDialectName, Product, TaskLimits } from './products.js';
import { errorFromStatus } from './status-errors.js';
import { parseTask, type ProviderTask } from './task.js';
import { taskSizeErrorOf } from './task-size.js';
import { type LearnedPace, waitForExport } from './task-wait.js';
import { announcer, type WaitListener } from './wait-events.js';

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
  readonly #retry: RetryPolicy;
  readonly #poll: PollScheduleOptions;
  readonly #giveUp: { pendingMs: number; stalledMs: number };
  readonly #onWait: WaitListener | undefined;
  readonly #clock: Clock;
  readonly #reach: ProviderReach;
  readonly #limits: { maxDownloadBytes: number; maxUnzippedBytes: number; maxRows: number };
  /** What finished tasks taught about the provider's pace, to time the next tasks' reads. */
  readonly #learned: LearnedPace = {};

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
    this.#clock = resolved.clock;
    this.#retry = { ...resolved.retry, maxRetryAfterMs: resolved.giveUp.retryAfterMs, clock: resolved.clock };
    this.#poll = resolved.poll;
    this.#giveUp = resolved.giveUp;
    this.#onWait = resolved.onWait;
    this.#reach = new ProviderReach(resolved.apiUrl, resolved.giveUp.unreachableMs, resolved.clock);
    this.#limits = resolved.limits;
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
   * product refuses is a `TaskSizeError` (`WA_BELOW_MINIMUM`, `WA_ABOVE_MAXIMUM`), free. An
   * abort (`options.signal`) stops the call before its upload has gone out; after, the answer is
   * waited for (within the timeout), so that the task is known rather than left unconfirmed.
   */
  async createTask(numbers: readonly string[], options: CallOptions = {}): Promise<ProviderTask> {
    if (numbers.length === 0) throw new WaError(ErrorCodes.INVALID_OPTION, 'A task needs at least one number.');
    const create = this.#dialect.create();
    const upload = multipartUpload(create.fields, numbers);
    return withRetry(
      async () => {
        let response: HttpResponse;
        try {
          response = await this.#reach.send({
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
            // Stopped while the provider holds the upload: its answer is waited for, not lost.
            finishOnceSent: true,
            what: 'task creation',
          });
        } catch (error) {
          throw unconfirmedIfSent(error, numbers);
        }
        let text: string;
        try {
          text = await readText(response, 'task creation', undefined, { raw: true });
        } catch (error) {
          throw unconfirmedIfSent(error, numbers);
        }
        // 200 on some deployments, 202 on others: any success may have created (and charged) a task.
        if (response.status >= 200 && response.status < 300) {
          try {
            return parseTask(text, 'task creation', response.redact);
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
        const error = errorFromStatus(response.status, response.redact(text), 'task creation', response.headers);
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
      this.#call('task creation', options),
    );
  }

  /** Reads a task's status (retried on 429, 5xx, timeouts and connection errors). */
  async getTask(taskId: string, options: CallOptions = {}): Promise<ProviderTask> {
    checkNonEmptyString('taskId', taskId);
    const { text, redact } = await this.#read(this.#dialect.status(taskId), 'status read', options, taskId);
    return parseTask(text, 'status read', redact);
  }

  /**
   * Reads the account's balance (`GET /v1/balance`, free). Asked too often it answers 429, and
   * 502 while the balance service is down: both are retried, then `WA_RATE_LIMITED` or
   * `WA_SERVER_ERROR`.
   */
  async balance(options: CallOptions = {}): Promise<Balance> {
    const { text, redact } = await this.#read(this.#dialect.balance(), 'balance read', options);
    return parseBalance(text, redact);
  }

  /**
   * Polls until the task is exported and returns it (with its `resultUrl`); throws
   * `WA_TASK_FAILED` when the provider gives up on it, and `WA_TASK_STALLED` (a `TaskStalledError`)
   * when this client does: pending for `giveUp.pendingMs`, or still for `giveUp.stalledMs`.
   * Reads are timed by `PollSchedule`; waits of a few seconds or more are announced (`onWait`).
   */
  async waitForTask(taskId: string, options: WaitOptions = {}): Promise<ProviderTask> {
    return waitForExport(taskId, options, {
      clock: this.#clock,
      poll: this.#poll,
      giveUp: this.#giveUp,
      onWait: this.#onWait,
      learned: this.#learned,
      read: (id, callOptions) => this.getTask(id, callOptions),
    });
  }

  /**
   * Downloads a result file (retried on 5xx, timeouts and broken transfers) and streams its
   * records. The link is fetched without the API key.
   */
  async *downloadResults(resultUrl: string, options: CallOptions = {}, taskId?: string): AsyncGenerator<ResultRecord> {
    const directory = await mkdtemp(join(tmpdir(), 'wa-check-download-'));
    const call = this.#call('download', options, taskId);
    try {
      const path = await withRetry(
        () => {
          // A slow download is a wait too: say until when it may last.
          call.announce(this.#downloadTimeoutMs, { what: 'download', call: 'download', ...(taskId && { taskId }) });
          return downloadToFile(
            resultUrl,
            directory,
            {
              maxBytes: this.#limits.maxDownloadBytes,
              timeoutMs: this.#downloadTimeoutMs,
              maxRedirects: 5,
              secrets: [this.#apiKey],
            },
            options.signal,
          );
        },
        isRetryableRead,
        this.#retry,
        call,
      );
      // Loaded on use (the zip and XML readers, ~55 ms of CPU): a warm or dry job never reads a result file.
      const { readResultFile } = await import('./result-reader.js');
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
        return await reconcile(submitted, this.downloadResults(current.resultUrl, options, current.taskId));
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
  /** A read's answer as sent, with the step that scrubs whatever of it reaches a message. */
  async #read(
    plan: RequestPlan,
    what: string,
    options: CallOptions,
    taskId?: string,
  ): Promise<{ text: string; redact: Redact }> {
    return withRetry(
      async () => {
        const form = plan.form && multipartUpload(plan.form);
        const response = await this.#reach.send({
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
        const text = await readText(response, what, undefined, { raw: true });
        if (response.status !== 200)
          throw errorFromStatus(response.status, response.redact(text), what, response.headers);
        return { text, redact: response.redact };
      },
      isRetryableRead,
      this.#retry,
      this.#call(what, options, taskId),
    );
  }

  /** A call's side of the retry layer: its name, its signal, the listeners of its waits. */
  #call(what: string, options: CallOptions, taskId?: string) {
    return { what, taskId, signal: options.signal, announce: announcer(this.#clock, this.#onWait, options.onWait) };
  }
}
