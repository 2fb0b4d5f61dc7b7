import { stat } from 'node:fs/promises';
import PQueue from 'p-queue';
import { isFresh } from '../store/result-cache.js';
import type { CompleteResultCache } from '../store/with-defaults.js';
import { e164ToKey, keyToE164 } from '../dedupe/number-table.js';
import type { InputSource } from '../input/read-input.js';
import type { JobExtras } from './job-extras.js';
import type { JobState } from './job-state.js';

const LOOKUP_BATCH = 1000;
const LOOKUPS_IN_FLIGHT = 4;
/** Read the whole cache when it holds at most this many answers per number of the job... */
const SCAN_FACTOR = 3;
/** ...or fewer than this many in all. */
const SCAN_ALWAYS_BELOW = 100_000;
/** A modest guess at a CSV row's size, to estimate rows from a file's size. */
const BYTES_PER_ROW = 25;

export interface CacheLookupDeps {
  cache: CompleteResultCache;
  /** The job's state: numbers the cache answers get CACHE_YES or CACHE_NO, each a cache hit. */
  state: JobState;
  maxAgeMs: number;
  /** A richer product's job keeps the extra columns of the answers it finds (see JobExtras). */
  extras?: JobExtras | undefined;
}

/**
 * Finds the job's numbers in the cache. When the job is a large share of the cache, one ordered
 * read through it (3x faster than lookups on a cache the job's size), for a file even while the
 * file is read; otherwise `getMany` in batches, a few in flight. Only fresh answers count.
 */
export class CacheLookup {
  readonly #deps: CacheLookupDeps;

  constructor(deps: CacheLookupDeps) {
    this.#deps = deps;
  }

  /**
   * For a file input, reads the cache into the table while the input is read, when the cache is
   * small next to the file (rows estimated from its size). Resolves true when it did.
   */
  async scanWhileReading(input: InputSource): Promise<boolean> {
    if (typeof input !== 'string') return false;
    let bytes: number;
    try {
      bytes = (await stat(input)).size;
    } catch {
      return false; // reading the input reports it
    }
    const size = await this.#deps.cache.estimateSize();
    if (size > SCAN_FACTOR * (bytes / BYTES_PER_ROW) + SCAN_ALWAYS_BELOW) return false;
    await this.#readThrough(size, true);
    return true;
  }

  /** After the input is read: looks up the numbers still UNKNOWN, unless `scanned` already did. */
  async lookUpUnknown(scanned: boolean): Promise<void> {
    const unique = this.#deps.state.counts.uniqueNumbers;
    if (unique === 0 || scanned) return;
    const size = await this.#deps.cache.estimateSize();
    if (size <= SCAN_FACTOR * unique + SCAN_ALWAYS_BELOW) {
      await this.#readThrough(size, false);
      return;
    }
    const lookups = new PQueue({ concurrency: LOOKUPS_IN_FLIGHT });
    let failure: { error: unknown } | undefined;
    const lookUp = (numbers: readonly string[]) => {
      lookups.add(() => this.#lookUp(numbers)).catch((error: unknown) => (failure ??= { error }));
    };
    let batch: string[] = [];
    for (const key of this.#deps.state.unknownNumbers()) {
      batch.push(keyToE164(key));
      if (batch.length < LOOKUP_BATCH) continue;
      lookUp(batch);
      batch = [];
      // No batch waits beyond the four in flight: numbers become strings only as the cache keeps up.
      await lookups.onSizeLessThan(1);
      if (failure) break;
    }
    if (batch.length > 0 && !failure) lookUp(batch);
    await lookups.onIdle();
    if (failure) throw failure.error;
  }

  /**
   * Reads the cache's fresh answers through in order into the table: numbers the input has are
   * answered; with `whileReading` (the input is still being read), the others are put in the
   * table as unseen, so that a row still to come needs one lookup, not two.
   */
  async #readThrough(size: number, whileReading: boolean): Promise<void> {
    const { cache, state, maxAgeMs } = this.#deps;
    if (whileReading) state.reserveForCache(size);
    const now = Date.now();
    // A number may come again, older: its first fresh answer is the one (see answerBatches).
    for await (const batch of cache.answerBatches()) state.takeCachedAnswers(batch, now, maxAgeMs, whileReading);
  }

  async #lookUp(numbers: readonly string[]): Promise<void> {
    if (numbers.length === 0) return;
    const { cache, state, maxAgeMs } = this.#deps;
    const answers = await cache.getMany(numbers);
    const now = Date.now();
    for (let i = 0; i < numbers.length; i++) {
      const answer = answers[i];
      // Answers only a number still UNKNOWN: a task resumed from the journal may have answered
      // it while it was looked up.
      if (!isFresh(answer, maxAgeMs, now)) continue;
      const key = e164ToKey(numbers[i]!);
      state.takeCachedAnswer(key, answer.whatsapp === 'yes', false);
      this.#deps.extras?.set(key, answer.extras);
    }
  }
}
