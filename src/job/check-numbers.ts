import type { InputSource } from '../input/read-input.js';
import { JobRun } from './job-run.js';
import { resolveCheckOptions, type CheckOptions, type ResolvedCheckOptions } from './options.js';
import type { CheckSummary } from './progress.js';
import { type CheckResult, toResults, type ResultBlock } from './result-block.js';

export type { CheckResult } from './result-block.js';

/**
 * Checks which numbers of `input` have WhatsApp: read, normalize, dedupe, look up the cache,
 * upload only what is new, and stream one result per input row. The summary resolves once the
 * results are drained.
 *
 * @example
 * const job = checkNumbers('contacts.csv', { cacheDir: '.wa-cache', country: 'CH', client: { apiKey, userId } });
 * for await (const result of job) console.log(result.row, result.number, result.whatsapp);
 * console.log(await job.summary);
 */
export function checkNumbers(input: InputSource, options: CheckOptions): CheckJob {
  return new CheckJob(input, resolveCheckOptions(options));
}

export class CheckJob implements AsyncIterable<CheckResult> {
  /**
   * Resolves when the results are drained, or once the job has stopped when the consumer leaves
   * early (`finished: false`); rejects when the job fails.
   */
  readonly summary: Promise<CheckSummary>;
  readonly #input: InputSource;
  readonly #options: ResolvedCheckOptions;
  #resolveSummary!: (summary: CheckSummary) => void;
  #rejectSummary!: (error: unknown) => void;
  #started = false;

  constructor(input: InputSource, options: ResolvedCheckOptions) {
    this.#input = input;
    this.#options = options;
    this.summary = new Promise((resolve, reject) => {
      this.#resolveSummary = resolve;
      this.#rejectSummary = reject;
    });
    // A caller that only iterates must not get an unhandled rejection from the summary.
    this.summary.catch(() => {});
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CheckResult> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** The results in batches of objects. Can be consumed once (as can each form). */
  async *batches(): AsyncGenerator<CheckResult[]> {
    for await (const block of this.blocks()) yield toResults(block);
  }

  /**
   * The results as column blocks, the fastest form (no object per row); `writeResults` reads
   * them. Can be consumed once.
   */
  async *blocks(): AsyncGenerator<ResultBlock> {
    if (this.#started) throw new Error('A CheckJob can be consumed once.');
    this.#started = true;
    const run = new JobRun(this.#input, this.#options);
    let finished = false;
    let failed = false;
    try {
      yield* run.execute();
      finished = true;
    } catch (error) {
      failed = true;
      this.#rejectSummary(error);
      throw error;
    } finally {
      // Runs too when the consumer stops early (`break`, `return()`): the job stops, then settles.
      const disposed = run.dispose();
      if (!failed) disposed.then(() => this.#resolveSummary(run.summary(finished)), this.#rejectSummary);
      await disposed;
    }
  }
}
