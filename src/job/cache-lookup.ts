import { stat } from 'node:fs/promises';
import { isFresh } from '../store/result-cache.js';
import type { CompleteResultCache } from '../store/with-defaults.js';
import { e164ToKey, keyToE164, type NumberTable } from '../dedupe/number-table.js';
import type { InputSource } from '../input/read-input.js';
import { State } from './answer-state.js';
import type { JobCounts } from './progress.js';

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
  /** The job's table: numbers it answers get CACHE_YES or CACHE_NO, and a cache hit is counted. */
  table: NumberTable;
  counts: JobCounts;
  maxAgeMs: number;
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
    const unique = this.#deps.counts.uniqueNumbers;
    if (unique === 0 || scanned) return;
    const size = await this.#deps.cache.estimateSize();
    if (size <= SCAN_FACTOR * unique + SCAN_ALWAYS_BELOW) {
      await this.#readThrough(size, false);
      return;
    }
    const inFlight = new Set<Promise<void>>();
    let batch: string[] = [];
    for (const key of this.#deps.table.keysWithState(State.UNKNOWN)) {
      batch.push(keyToE164(key));
      if (batch.length < LOOKUP_BATCH) continue;
      const lookup = this.#lookUp(batch).finally(() => inFlight.delete(lookup));
      inFlight.add(lookup);
      batch = [];
      if (inFlight.size >= LOOKUPS_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all([...inFlight, this.#lookUp(batch)]);
  }

  /**
   * Reads the cache's fresh answers through in order into the table: numbers the input has are
   * answered; with `whileReading` (the input is still being read), the others are put in the
   * table as unseen, so that a row still to come needs one lookup, not two.
   */
  async #readThrough(size: number, whileReading: boolean): Promise<void> {
    const { cache, table, counts, maxAgeMs } = this.#deps;
    if (whileReading) table.reserve(size);
    const now = Date.now();
    for await (const { length, keys, checkedAtSeconds, yes } of cache.answerBatches()) {
      for (let i = 0; i < length; i++) {
        // A number may come again, older: its first fresh answer is the one (see answerBatches).
        if (now - checkedAtSeconds[i]! * 1000 > maxAgeMs) continue;
        const key = keys[i]!;
        const isYes = yes[i] === 1;
        const state = whileReading
          ? table.addOrGet(key, isYes ? State.CACHED_YES_UNSEEN : State.CACHED_NO_UNSEEN)
          : table.get(key);
        if (state === State.UNKNOWN) {
          counts.cacheHits++;
          table.set(key, isYes ? State.CACHE_YES : State.CACHE_NO);
        }
      }
    }
  }

  async #lookUp(numbers: readonly string[]): Promise<void> {
    if (numbers.length === 0) return;
    const { cache, table, counts, maxAgeMs } = this.#deps;
    const answers = await cache.getMany(numbers);
    const now = Date.now();
    for (let i = 0; i < numbers.length; i++) {
      const answer = answers[i];
      const key = e164ToKey(numbers[i]!);
      // A task resumed from the journal may have answered this number while it was looked up.
      if (isFresh(answer, maxAgeMs, now) && table.get(key) === State.UNKNOWN) {
        counts.cacheHits++;
        table.set(key, answer.whatsapp === 'yes' ? State.CACHE_YES : State.CACHE_NO);
      }
    }
  }
}
