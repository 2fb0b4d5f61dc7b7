import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { answerBatchOf } from './answer-batch.js';
import {
  ANSWER_LOG_FILE,
  AnswerLog,
  DROPPED_MARKER,
  LOG_MARKER_KEY,
  markerText,
  type LogMarker,
} from './answer-log.js';
import type { AnswerLogWriter } from './answer-log-file.js';
import { CacheFolder, DURABLE_WRITE, storageError, type Database, type StringSublevel } from './cache-folder.js';
import { entryBatches } from './entry-batches.js';
import { restoreFromLog } from './restore-from-log.js';
import { decodeAnswer, encodeAnswer, type AnswerBatch, type CachedAnswer, type ResultCache } from './result-cache.js';
import { LevelProductAnswers } from './product-answers.js';
import { LevelTaskJournal } from './task-journal.js';
import type { Product } from '../api/products.js';

export interface LevelResultCacheOptions {
  /**
   * Answers kept in memory in front of LevelDB.
   * @default 100_000
   */
  memoryEntries?: number;
}

/**
 * The default ResultCache: a cache folder (LevelDB, see CacheFolder) with an LRU in front, and
 * the answer log (answer-log.ts), a compact copy of the answers for jobs that read them all.
 * The folder's task journal is `journal`.
 */
export class LevelResultCache implements ResultCache {
  readonly path: string;
  /** The folder's task journal: the record of what was sent and paid for. */
  readonly journal: LevelTaskJournal;
  readonly #folder: CacheFolder;
  readonly #answers: StringSublevel;
  readonly #meta: StringSublevel;
  readonly #memoryEntries: number;
  /**
   * Made on first use: its 100k-entry arrays cost ~24 ms of start-up, and a job that reads the
   * cache through never uses it.
   */
  #lru: LRUCache<string, CachedAnswer> | undefined;
  readonly #log: AnswerLog;
  readonly #products = new Map<Product, LevelProductAnswers>();
  #restoredAtOpen = 0;
  /** Writes so far: a log rebuilt from a read is kept only if no write came after the read began. */
  #writes = 0;

  private constructor(folder: CacheFolder, options: LevelResultCacheOptions) {
    this.path = folder.path;
    this.#folder = folder;
    this.#answers = folder.sublevel('answers');
    this.#meta = folder.sublevel('meta');
    this.#memoryEntries = options.memoryEntries ?? 100_000;
    this.#log = new AnswerLog(join(folder.path, ANSWER_LOG_FILE));
    this.journal = new LevelTaskJournal(folder.database, (write) => folder.serially(write));
  }

  /**
   * Opens (or creates) the cache folder. Fails with WA_CACHE_LOCKED, WA_CACHE_UNWRITABLE or
   * WA_CACHE_CORRUPT (see CacheFolder.open).
   */
  static async open(path: string, options: LevelResultCacheOptions = {}): Promise<LevelResultCache> {
    return LevelResultCache.inFolder(await CacheFolder.open(path), options);
  }

  /** A cache over a folder already open (a repair opens it its own way). Closing the cache closes the folder. */
  static async inFolder(folder: CacheFolder, options: LevelResultCacheOptions = {}): Promise<LevelResultCache> {
    const cache = new LevelResultCache(folder, options);
    try {
      await cache.#openLog();
    } catch (error) {
      await folder.close();
      throw storageError(folder.path, error);
    }
    return cache;
  }

  get #memory(): LRUCache<string, CachedAnswer> {
    this.#lru ??= new LRUCache({ max: this.#memoryEntries });
    return this.#lru;
  }

  /** Answers put back from the answer log when the cache was opened (see #openLog). */
  get restoredAtOpen(): number {
    return this.#restoredAtOpen;
  }

  /**
   * The answer log full reads come from: its records, and how many a later record supersedes;
   * undefined while there is none (until a full read of the database writes it).
   */
  get answerLog(): { records: number; superseded: number } | undefined {
    return this.#log.stats;
  }

  /** The underlying database (the journal's folder; see `journal`). */
  get database(): Database {
    return this.#folder.database;
  }

  /**
   * Finds the log the database vouches for, and puts back answers the log holds but LevelDB lost:
   * records past the marker (LevelDB lost the batch that would have committed them, or the
   * process died between the two writes), or every record when the marker itself is gone. A
   * new, empty cache starts a log at once, so that it never needs rebuilding; without one, reads
   * go to LevelDB, which is always complete.
   */
  async #openLog(): Promise<void> {
    const stored = await this.#meta.get(LOG_MARKER_KEY);
    const adopted = await this.#log.adopt(stored);
    if (adopted || stored === undefined) {
      const sound = await this.#log.readSound(adopted ? this.#log.stats!.records : 0);
      if (sound) this.#restoredAtOpen = await restoreFromLog(this, sound.batches);
    }
    if (adopted) return;
    try {
      if ((await this.#answers.keys({ limit: 1 }).all()).length > 0) return;
      const created = await this.#log.startEmpty();
      await this.#meta.put(LOG_MARKER_KEY, markerText(created), DURABLE_WRITE);
      this.#log.committed(created);
    } catch {
      this.#log.committed(undefined); // an unwritable folder still caches, without the log
    }
  }

  /** Writes the answer log anew from LevelDB (after a repair, say). */
  async rewriteLog(): Promise<void> {
    await this.#folder.serially(async () => {
      await this.#folder.database.batch([this.#markerOperation(undefined)], DURABLE_WRITE);
      this.#log.committed(undefined);
    });
    for await (const _batch of this.answerBatches());
  }

  /** A richer product's answers, in the sublevel `answers-<product>` of the same folder. */
  forProduct(product: Exclude<Product, 'ws'>): LevelProductAnswers {
    let answers = this.#products.get(product);
    if (!answers) {
      const folder = this.#folder;
      answers = new LevelProductAnswers(
        folder.sublevel(`answers-${product}`),
        (write) => folder.serially(write),
        this.path,
      );
      this.#products.set(product, answers);
    }
    return answers;
  }

  async getMany(numbers: readonly string[]): Promise<Array<CachedAnswer | undefined>> {
    const found = new Array<CachedAnswer | undefined>(numbers.length);
    const missing: string[] = [];
    const missingAt: number[] = [];
    for (let i = 0; i < numbers.length; i++) {
      const hit = this.#memory.get(numbers[i]!);
      if (hit) found[i] = { whatsapp: hit.whatsapp, checkedAt: hit.checkedAt };
      else {
        missing.push(numbers[i]!);
        missingAt.push(i);
      }
    }
    if (missing.length > 0) {
      const values = await this.#answers.getMany(missing).catch((error) => {
        throw storageError(this.path, error);
      });
      for (let i = 0; i < values.length; i++) found[missingAt[i]!] = decodeAnswer(values[i]);
    }
    return found;
  }

  async putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<void> {
    if (entries.length === 0) return;
    await this.#write(async () => {
      this.#writes++;
      // The records go to the log first; the marker that covers them is committed with the answers.
      const marker = await this.#log.append(entries, () => this.#countSuperseded(entries));
      const puts = entries.map(([number, answer]) => ({
        type: 'put' as const,
        sublevel: this.#answers,
        key: number,
        value: encodeAnswer(answer),
      }));
      // sync: an answer that was paid for must survive a crash right after this resolves.
      await this.#folder.database.batch([...puts, this.#markerOperation(marker)], DURABLE_WRITE);
      this.#log.committed(marker);
    });
    // Copies: the caller's objects are theirs to change.
    for (const [number, { whatsapp, checkedAt }] of entries) this.#memory.set(number, { whatsapp, checkedAt });
  }

  /** How many answers replace a stored answer, or an earlier one of the same batch (see needsCompaction). */
  async #countSuperseded(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<number> {
    const existing = await this.#answers.getMany(entries.map(([number]) => number));
    const seen = new Set<string>();
    let superseded = 0;
    entries.forEach(([number], i) => {
      if (existing[i] !== undefined || seen.has(number)) superseded++;
      seen.add(number);
    });
    return superseded;
  }

  async deleteMany(numbers: readonly string[]): Promise<void> {
    if (numbers.length === 0) return; // and the log stays good
    await this.#write(async () => {
      this.#writes++;
      // The log cannot forget a record; the next full read writes a new one without them.
      const deletes = numbers.map((key) => ({ type: 'del' as const, sublevel: this.#answers, key }));
      await this.#folder.database.batch([...deletes, this.#markerOperation(undefined)], DURABLE_WRITE);
      this.#log.committed(undefined);
    });
    for (const number of numbers) this.#memory.delete(number);
  }

  async *entries(): AsyncIterable<[string, CachedAnswer]> {
    for await (const batch of entryBatches(this.#answers.iterator(), this.path)) {
      for (const [number, value] of batch) {
        const answer = decodeAnswer(value);
        if (answer) yield [number, answer];
      }
    }
  }

  /**
   * From the answer log when there is one; otherwise (or when it is mostly superseded records)
   * from LevelDB, writing a new log on the way.
   */
  async *answerBatches(): AsyncIterable<AnswerBatch> {
    const fromLog = this.#log.read();
    if (fromLog) {
      try {
        yield* fromLog;
        return;
      } catch {
        // The file went away or broke. What was read stays right (newest first), and the
        // database has every answer: read it through, which writes a new log.
      }
    }
    yield* this.#readDatabaseRebuildingLog();
  }

  async *#readDatabaseRebuildingLog(): AsyncGenerator<AnswerBatch> {
    // Taken between writes: the iterator's snapshot then holds every write counted so far.
    const { iterator, writesBefore } = await this.#folder.serially(async () => ({
      iterator: this.#answers.iterator(),
      writesBefore: this.#writes,
    }));
    let rebuild = await this.#log.startRebuild();
    let whole = false;
    try {
      for await (const entries of entryBatches(iterator, this.path)) {
        const batch = answerBatchOf(
          entries.map(([number, value]) => [number, decodeAnswer(value)] as const),
          entries.length,
        );
        if (rebuild) {
          await rebuild.add(batch).catch(async () => {
            await rebuild?.abandon();
            rebuild = undefined;
          });
        }
        yield batch;
      }
      whole = true;
    } finally {
      if (rebuild) await this.#finishRebuild(rebuild, whole, writesBefore);
    }
  }

  /** Puts a rebuilt log in place if it holds all there is: the read ran to the end, and nothing was written since. */
  async #finishRebuild(rebuild: AnswerLogWriter, whole: boolean, writesBefore: number): Promise<void> {
    await this.#folder.serially(async () => {
      if (!whole || this.#writes !== writesBefore) {
        await rebuild.abandon();
        return;
      }
      try {
        const marker = await rebuild.finish();
        await this.#folder.database.batch([this.#markerOperation(marker)], DURABLE_WRITE);
        this.#log.committed(marker);
      } catch {
        await rebuild.abandon();
      }
    });
  }

  #markerOperation(marker: LogMarker | undefined) {
    return marker
      ? { type: 'put' as const, sublevel: this.#meta, key: LOG_MARKER_KEY, value: markerText(marker) }
      : { type: 'put' as const, sublevel: this.#meta, key: LOG_MARKER_KEY, value: DROPPED_MARKER };
  }

  /** A write on the folder's queue, its LevelDB errors as WaErrors that name their cause. */
  #write(work: () => Promise<void>): Promise<void> {
    return this.#folder.serially(work).catch((error) => {
      throw storageError(this.path, error);
    });
  }

  /**
   * Roughly how many answers are stored. The log's marker counts them exactly (records less
   * superseded ones; a delete drops the log). Without a log, LevelDB's estimate of the bytes on
   * disk in the answers' key range, at about 14 bytes an answer: answers still in its write log
   * are not counted there.
   */
  async estimateSize(): Promise<number> {
    const log = this.#log.stats;
    if (log) return log.records - log.superseded;
    const prefix = this.#answers.prefix;
    // `level` is classic-level on Node, which has approximateSize; its shared typings do not say so.
    const db = this.#folder.database as unknown as {
      approximateSize(start: string, end: string): Promise<number>;
    };
    const bytes = await db.approximateSize(
      prefix,
      `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`,
    );
    return Math.ceil(bytes / 14);
  }

  async close(): Promise<void> {
    await this.#folder.close();
  }
}
