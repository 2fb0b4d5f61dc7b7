import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaClient } from '../api/client.js';
import type { WaError } from '../errors.js';
import type { InputSource } from '../input/read-input.js';
import { CacheLookup } from './cache-lookup.js';
import { emitSpooled } from './emit.js';
import { ingest } from './ingest.js';
import { type JobStores, openStores, resumeJournal } from './job-stores.js';
import { JobState } from './job-state.js';
import type { ResolvedCheckOptions } from './options.js';
import { checkBalance, type BalanceReport } from './balance-check.js';
import { jobExtrasFor, type JobExtras } from './job-extras.js';
import { planChecks } from './plan.js';
import { lookUpInRicherProducts } from './richer-lookup.js';
import { productAnswers } from '../store/product-answers.js';
import { withDefaults, type CompleteResultCache } from '../store/with-defaults.js';
import type { CheckSummary, JobProgress } from './progress.js';
import type { ResultBlock } from './result-block.js';
import { Checking } from './checking.js';
import { keyList, TaskRunner } from './run-tasks.js';
import { SpoolWriter } from './spool.js';
import { planTaskSizes, type TaskSizing } from './task-plan.js';
import { oldestCachedNumbers } from '../store/oldest-answers.js';
import { applyMinimumOrder, type TopUpReport } from './top-up.js';
import { State } from './answer-state.js';

const PROGRESS_INTERVAL_MS = 200;

/**
 * One execution of a job, its stages in pipeline order:
 * 1. open the stores and resume what the journal holds (job-stores.ts);
 * 2. pass 1 (ingest.ts): read, normalize, dedupe, answer the known rows, spool the rest, while
 *    the cache is read (cache-lookup.ts);
 * 3. look up the rest in the cache, and plan what to check (plan.ts);
 * 4. run the tasks (run-tasks.ts, collect-task.ts) in the background, while
 * 5. pass 2 (emit.ts) writes the spooled rows as their answers land.
 * JobState is the one owner of what the job knows and counts.
 */
export class JobRun {
  readonly #input: InputSource;
  readonly #options: ResolvedCheckOptions;
  readonly #state = new JobState();
  readonly #startedAt = Date.now();
  #stores: JobStores | undefined;
  #spoolDir: string | undefined;
  #runner: TaskRunner | undefined;
  /** The cache read through while the input is read; dispose() lets it end before closing the cache. */
  #earlyScan: Promise<unknown> = Promise.resolve();
  #checking: Checking | undefined;
  #phase: JobProgress['phase'] = 'reading';
  #lastProgress = 0;
  #dryRun: CheckSummary['dryRun'];
  /** The provider client; none in a dry run without one. */
  #client: WaClient | undefined;
  #topUp: TopUpReport | undefined;
  #balance: BalanceReport | undefined;
  readonly #notes: string[] = [];
  /** The answers of the job's product: the cache itself for `ws`, else its product view. */
  #answers: CompleteResultCache | undefined;
  /** A richer product's extra columns, per number (none for `ws`). */
  #extras: JobExtras | undefined;
  /** Numbers of a `ws` job answered by cached answers of a richer product. */
  #fromRicher = 0;

  constructor(input: InputSource, options: ResolvedCheckOptions) {
    this.#input = input;
    this.#options = options;
  }

  async *execute(): AsyncGenerator<ResultBlock> {
    const options = this.#options;
    const state = this.#state;
    const stores = await openStores(options);
    this.#stores = stores;
    this.#spoolDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'wa-check-job-'));
    const spoolPath = join(this.#spoolDir, 'rows.spool');
    const option = options.client;
    this.#client = option === undefined || option instanceof WaClient ? option : new WaClient(option);
    const sizing = this.#sizing();
    const product = this.#client?.product ?? 'ws';
    this.#answers = product === 'ws' ? stores.cache : withDefaults(productAnswers(stores.cache, product));
    this.#extras = jobExtrasFor(product);

    // 1. What earlier runs left at the provider is collected alongside (no runner in a dry run).
    if (!options.dryRun) this.#runner = this.#makeRunner(stores, sizing);
    await resumeJournal(stores.journal, state, this.#runner, options.resubmitUnconfirmed);
    // 2. Pass 1. The cache can be read through while the input is read (in its worker): both take time.
    const lookup = new CacheLookup({
      cache: this.#answers,
      state,
      maxAgeMs: options.maxAgeMs,
      extras: this.#extras,
    });
    const earlyScan = lookup.scanWhileReading(this.#input);
    this.#earlyScan = earlyScan.catch(() => {}); // awaited below; never unhandled if reading the input fails first
    const spool = new SpoolWriter(spoolPath);
    try {
      yield* ingest(this.#input, options, state, spool, earlyScan, () => this.#report(false));
    } finally {
      await spool.close();
    }
    // 3. The rest of the lookups, and the plan.
    await lookup.lookUpUnknown(await earlyScan);
    if (product === 'ws') this.#fromRicher = await lookUpInRicherProducts(stores.cache, state, options.maxAgeMs);
    if (this.#fromRicher > 0)
      this.#notes.push(
        `${this.#fromRicher} numbers were answered from cached ws_active/ws_avatar answers (they include activated): not paid again.`,
      );
    // In a fleet, numbers are claimed before tasks are cut (not in a dry run: nothing is uploaded).
    const fleet = this.#runner ? stores.fleet : undefined;
    const plan = await planChecks(state, spoolPath, sizing, fleet);
    const numbers = await this.#withinAccount(plan.numbers);
    if (options.dryRun) {
      const cost = options.pricePerNumber === undefined ? undefined : numbers.length * options.pricePerNumber;
      this.#dryRun = {
        numbers: numbers.length,
        tasks: planTaskSizes(numbers.length, sizing).length,
        ...(cost !== undefined && { cost: Math.round(cost * 1e6) / 1e6 }),
      };
      state.markDryRun(numbers);
    }
    // 4. The tasks run in the background while 5. pass 2 writes the spooled rows out.
    const others = fleet && {
      wait: (runner: TaskRunner) => fleet.awaitTaken(plan.taken, state, runner),
      stop: () => fleet.stop(),
    };
    const checking = new Checking(this.#runner, keyList(numbers), others);
    this.#checking = checking;
    this.#phase = 'checking';
    this.#report(true);

    if (options.order === 'completion') {
      // Rows answered without the provider go out now; the rest once the tasks are done.
      yield* emitSpooled(spoolPath, state, 'known', undefined, this.#extras);
      await checking.finished();
      yield* emitSpooled(spoolPath, state, 'rest', undefined, this.#extras);
    } else {
      yield* emitSpooled(spoolPath, state, 'all', checking, this.#extras);
      await checking.finished();
    }
    this.#phase = 'done';
    state.finish();
    this.#report(true);
  }

  /** The summary; `finished` false when the consumer left before the last result. */
  summary(finished: boolean): CheckSummary {
    const counts = this.#state.counts;
    if (!finished) this.#state.finish();
    return {
      ...counts,
      unansweredByReason: this.#state.unansweredByReason(),
      savedByCache: counts.cacheHits,
      dryRun: this.#dryRun,
      ...(this.#topUp && { topUp: { ...this.#topUp, refreshed: counts.refreshed || this.#topUp.refreshed } }),
      ...(this.#balance && { balance: this.#balance }),
      notes: [...this.#notes],
      savedByRicherProducts: this.#fromRicher,
      retryAt: this.#runner?.retryAt?.toISOString(),
      taskErrors: distinctErrors(this.#runner?.taskErrors ?? []),
      complete: finished && counts.unanswered === 0 && !this.#dryRun,
      finished,
      elapsedMs: Date.now() - this.#startedAt,
    };
  }

  /**
   * Releases everything, whether the job ended or its consumer left: no new task is created,
   * polls stop (the journal keeps tasks at the provider for the next run), then the cache is
   * closed and the spool removed. Waits for journal and cache writes under way, never for a
   * task at the provider.
   */
  async dispose(): Promise<void> {
    this.#runner?.stop();
    // Its failure, if any, was already thrown by the job itself.
    if (this.#runner) await this.#runner.idle().catch(() => {});
    await this.#earlyScan;
    await this.#stores?.close();
    if (this.#spoolDir) await rm(this.#spoolDir, { recursive: true, force: true });
  }

  /**
   * The plan within what the provider and the account allow: the minimum order (top-up.ts), then,
   * in v1, the balance read before the first create (balance-check.ts), which stops the job
   * before paying when the money is short, and holds back what the daily limit does not allow.
   */
  async #withinAccount(planned: Float64Array): Promise<Float64Array> {
    const options = this.#options;
    const minimum = this.#client?.taskLimits.minRows ?? 0;
    const order = await applyMinimumOrder(planned, minimum, options.topUp, this.#answers!, this.#state);
    this.#topUp = order.report;
    if (order.report?.note) this.#notes.push(order.report.note);
    this.#runner?.addTopUps(order.topUps);
    let numbers = order.numbers;
    // A dry run shows the balance even when nothing would be sent.
    if (this.#client?.api !== 'v1' || (numbers.length === 0 && !options.dryRun)) return numbers;
    let verdict: Awaited<ReturnType<typeof checkBalance>>;
    try {
      verdict = await checkBalance(this.#client, numbers.length, options.pricePerNumber, options.signal);
    } catch (error) {
      if (!options.dryRun) throw error;
      this.#notes.push(`A real run would stop here: ${(error as Error).message}`);
      return numbers;
    }
    this.#balance = verdict.report;
    this.#notes.push(...verdict.notes);
    const allowed = verdict.report?.allowed ?? numbers.length;
    if (allowed < numbers.length) {
      const sendable = allowed >= Math.max(1, minimum) ? allowed : 0;
      this.#state.holdBack(numbers.subarray(sendable), State.DAILY_LIMIT);
      numbers = numbers.subarray(0, sendable);
    }
    return numbers;
  }

  /** Task sizes within the provider's limits: its minimum wins over a smaller `minTaskSize`. */
  #sizing(): TaskSizing {
    const options = this.#options;
    const limits = this.#client?.taskLimits ?? { minRows: 0, maxRows: Number.POSITIVE_INFINITY };
    const minTaskSize = Math.max(options.minTaskSize, limits.minRows);
    const maxTaskSize = Math.max(minTaskSize, Math.min(options.maxTaskSize, limits.maxRows));
    return { concurrency: options.concurrency, minTaskSize, maxTaskSize };
  }

  #makeRunner(stores: JobStores, sizing: TaskSizing): TaskRunner {
    const minRows = this.#client!.taskLimits.minRows;
    const state = this.#state;
    return new TaskRunner({
      client: this.#client!,
      cache: this.#answers!,
      journal: stores.journal,
      state,
      extras: this.#extras,
      sizing,
      minRows,
      topUp:
        this.#options.topUp === 'stale'
          ? (needed) => oldestCachedNumbers(this.#answers!, (key) => state.isOutsideJob(key), needed)
          : undefined,
      budget: this.#options.maxSpend ?? Number.POSITIVE_INFINITY,
      signal: this.#options.signal,
      changed: (now) => this.#report(now === true),
      fleet: stores.fleet,
    });
  }

  #report(force: boolean): void {
    const onProgress = this.#options.onProgress;
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - this.#lastProgress < PROGRESS_INTERVAL_MS) return;
    this.#lastProgress = now;
    const writing = this.#phase === 'checking' && this.#checking?.isOver === true;
    onProgress({
      ...this.#state.counts,
      phase: writing ? 'writing' : this.#phase,
      toCheck: this.#state.toCheckLeft,
      tasksRunning: [...(this.#runner?.running.values() ?? [])].map((task) => ({ ...task })),
      waiting: this.#runner?.waits.current(),
    });
  }
}

/** The first few distinct task errors, as plain data for a summary. */
function distinctErrors(errors: readonly WaError[]): Array<{ code: string; message: string }> {
  const seen = new Map<string, { code: string; message: string }>();
  for (const error of errors) {
    const key = `${error.code}\u0000${error.message}`;
    if (!seen.has(key) && seen.size < 5) seen.set(key, { code: error.code, message: error.message });
  }
  return [...seen.values()];
}
