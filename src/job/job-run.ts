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
import { planChecks } from './plan.js';
import type { CheckSummary, JobProgress } from './progress.js';
import type { ResultBlock } from './result-block.js';
import { Checking } from './checking.js';
import { keyList, TaskRunner } from './run-tasks.js';
import { SpoolWriter } from './spool.js';

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
  #dryRun: { numbers: number; tasks: number } | undefined;

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

    // 1. What earlier runs left at the provider is collected alongside (no runner in a dry run).
    if (!options.dryRun) this.#runner = this.#makeRunner(stores);
    await resumeJournal(stores.journal, state, this.#runner, options.resubmitUnconfirmed);
    // 2. Pass 1. The cache can be read through while the input is read (in its worker): both take time.
    const lookup = new CacheLookup({ cache: stores.cache, state, maxAgeMs: options.maxAgeMs });
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
    // In a fleet, numbers are claimed before tasks are cut (not in a dry run: nothing is uploaded).
    const fleet = this.#runner ? stores.fleet : undefined;
    const plan = await planChecks(state, spoolPath, options, fleet);
    if (options.dryRun) {
      this.#dryRun = { numbers: plan.numbers.length, tasks: plan.tasks };
      state.markDryRun(plan.numbers);
    }
    // 4. The tasks run in the background while 5. pass 2 writes the spooled rows out.
    const others = fleet && {
      wait: (runner: TaskRunner) => fleet.awaitTaken(plan.taken, state, runner),
      stop: () => fleet.stop(),
    };
    const checking = new Checking(this.#runner, keyList(plan.numbers), others);
    this.#checking = checking;
    this.#phase = 'checking';
    this.#report(true);

    if (options.order === 'completion') {
      // Rows answered without the provider go out now; the rest once the tasks are done.
      yield* emitSpooled(spoolPath, state, 'known');
      await checking.finished();
      yield* emitSpooled(spoolPath, state, 'rest');
    } else {
      yield* emitSpooled(spoolPath, state, 'all', checking);
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

  #makeRunner(stores: JobStores): TaskRunner {
    const option = this.#options.client!;
    return new TaskRunner({
      client: option instanceof WaClient ? option : new WaClient(option),
      cache: stores.cache,
      journal: stores.journal,
      state: this.#state,
      sizing: this.#options,
      budget: this.#options.maxSpend ?? Number.POSITIVE_INFINITY,
      signal: this.#options.signal,
      changed: () => this.#report(false),
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
