import { join } from 'node:path';
import { Level } from 'level';
import { LRUCache } from 'lru-cache';
import { ErrorCodes, WaError } from '../errors.js';
import {
  ANSWER_LOG_FILE,
  AnswerLogFile,
  AnswerLogWriter,
  answerBatchOf,
  canAppend,
  formatMarker,
  needsCompaction,
  parseMarker,
  type LogMarker,
} from './answer-log.js';
import { decodeAnswer, encodeAnswer, type AnswerBatch, type CachedAnswer, type ResultCache } from './result-cache.js';

export type Database = Level<string, string>;
/** A sublevel with string keys and values. */
export type StringSublevel = ReturnType<typeof stringSublevel>;

export function stringSublevel(db: Database, name: string) {
  return db.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
}

/** classic-level's fsync-before-resolve write option (not in abstract-level's types). */
export const DURABLE_WRITE = { sync: true, keyEncoding: 'utf8', valueEncoding: 'utf8' };

export interface LevelResultCacheOptions {
  /**
   * Answers kept in memory in front of LevelDB.
   * @default 100_000
   */
  memoryEntries?: number;
}

/** What reading through needs of a LevelDB iterator over string entries. */
interface EntryIterator {
  nextv(size: number): Promise<Array<[string, string]>>;
  close(): Promise<void>;
}

/** The meta sublevel's key for the answer log's marker (see answer-log.ts). */
const LOG_MARKER_KEY = 'answer-log';
/** Entries per trip to LevelDB's native side when reading through. */
const READ_BATCH = 1000;

/**
 * The default ResultCache: a LevelDB folder (`level`) with an LRU in front. The folder also
 * holds the task journal (see TaskJournal), in its own sublevel, so that answers and the record
 * of what was paid for live and die together, and the answer log (answer-log.ts), a compact copy
 * of the answers for jobs that read them all. LevelDB's lock makes it one process per folder.
 */
export class LevelResultCache implements ResultCache {
  readonly path: string;
  readonly #db: Database;
  readonly #answers: StringSublevel;
  readonly #meta: StringSublevel;
  readonly #memory: LRUCache<string, CachedAnswer>;
  readonly #log: AnswerLogFile;
  /** The log the database vouches for; undefined while there is none (the next full read makes one). */
  #logMarker: LogMarker | undefined;
  /** Writes so far: a log rebuilt from a read is kept only if no write came after the read began. */
  #writes = 0;
  /** Writes, and the start and end of a rebuild, run one at a time (appends need the log's end). */
  #serial: Promise<unknown> = Promise.resolve();

  private constructor(path: string, db: Database, options: LevelResultCacheOptions) {
    this.path = path;
    this.#db = db;
    this.#answers = stringSublevel(db, 'answers');
    this.#meta = stringSublevel(db, 'meta');
    this.#memory = new LRUCache({ max: options.memoryEntries ?? 100_000 });
    this.#log = new AnswerLogFile(join(path, ANSWER_LOG_FILE));
  }

  /** Opens (or creates) the cache folder. Fails with WA_CACHE_LOCKED or WA_CACHE_CORRUPT. */
  static async open(path: string, options: LevelResultCacheOptions = {}): Promise<LevelResultCache> {
    const db = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (error) {
      throw openError(path, error);
    }
    const cache = new LevelResultCache(path, db, options);
    await cache.#openLog();
    return cache;
  }

  /**
   * The answer log full reads come from: its records, and how many a later record supersedes;
   * undefined while there is none (until a full read of the database writes it).
   */
  get answerLog(): { records: number; superseded: number } | undefined {
    const marker = this.#logMarker;
    return marker && { records: marker.count, superseded: marker.superseded };
  }

  /**
   * Finds the log the database vouches for. A new, empty cache starts one at once, so that it
   * never needs rebuilding; without one, reads go to LevelDB, which is always complete.
   */
  async #openLog(): Promise<void> {
    try {
      const marker = parseMarker(await this.#meta.get(LOG_MARKER_KEY));
      if (marker && (await this.#log.matches(marker))) {
        this.#logMarker = marker;
      } else if ((await this.#answers.keys({ limit: 1 }).all()).length === 0) {
        const created = await this.#log.create();
        await this.#meta.put(LOG_MARKER_KEY, formatMarker(created), DURABLE_WRITE);
        this.#logMarker = created;
      }
    } catch {
      this.#logMarker = undefined; // an unwritable folder still caches, without the log
    }
  }

  /** The underlying database, for the journal that shares its folder. */
  get database(): Database {
    return this.#db;
  }

  async getMany(numbers: readonly string[]): Promise<Array<CachedAnswer | undefined>> {
    const found = new Array<CachedAnswer | undefined>(numbers.length);
    const missing: string[] = [];
    const missingAt: number[] = [];
    for (let i = 0; i < numbers.length; i++) {
      const hit = this.#memory.get(numbers[i]!);
      if (hit) found[i] = hit;
      else {
        missing.push(numbers[i]!);
        missingAt.push(i);
      }
    }
    if (missing.length > 0) {
      const values = await this.#answers.getMany(missing);
      for (let i = 0; i < values.length; i++) found[missingAt[i]!] = decodeAnswer(values[i]);
    }
    return found;
  }

  async putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<void> {
    if (entries.length === 0) return;
    await this.#serially(async () => {
      this.#writes++;
      // The records go to the log first; the marker that covers them is committed with the
      // answers. A log that cannot take them is dropped: the answers never depend on it.
      let marker = this.#logMarker;
      if (marker && canAppend(marker, entries))
        marker = await this.#appendToLog(marker, entries).catch(() => undefined);
      else marker = undefined;
      const puts = entries.map(([number, answer]) => ({
        type: 'put' as const,
        sublevel: this.#answers,
        key: number,
        value: encodeAnswer(answer),
      }));
      // sync: an answer that was paid for must survive a crash right after this resolves.
      await this.#db.batch([...puts, this.#markerOperation(marker)], DURABLE_WRITE);
      this.#logMarker = marker;
    });
    for (const [number, answer] of entries) this.#memory.set(number, answer);
  }

  /** Appends answers to the log, counting those that replace a stored answer (see needsCompaction). */
  async #appendToLog(marker: LogMarker, entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<LogMarker> {
    const existing = await this.#answers.getMany(entries.map(([number]) => number));
    const seen = new Set<string>();
    let superseded = 0;
    entries.forEach(([number], i) => {
      if (existing[i] !== undefined || seen.has(number)) superseded++;
      seen.add(number);
    });
    return this.#log.append(marker, answerBatchOf(entries, entries.length), superseded);
  }

  async deleteMany(numbers: readonly string[]): Promise<void> {
    if (numbers.length === 0) return; // and the log stays good
    await this.#serially(async () => {
      this.#writes++;
      // The log cannot forget a record; the next full read writes a new one without them.
      const deletes = numbers.map((key) => ({ type: 'del' as const, sublevel: this.#answers, key }));
      await this.#db.batch([...deletes, this.#markerOperation(undefined)], DURABLE_WRITE);
      this.#logMarker = undefined;
    });
    for (const number of numbers) this.#memory.delete(number);
  }

  async *entries(): AsyncIterable<[string, CachedAnswer]> {
    for await (const batch of this.#databaseBatches(this.#answers.iterator())) {
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
    const marker = this.#logMarker;
    if (marker && !needsCompaction(marker)) {
      try {
        yield* this.#log.readNewestFirst(marker);
        return;
      } catch {
        // The file went away or broke. What was read stays right (newest first), and the
        // database has every answer: read it through, which writes a new log.
        if (this.#logMarker === marker) this.#logMarker = undefined;
      }
    }
    yield* this.#readDatabaseRebuildingLog();
  }

  async *#readDatabaseRebuildingLog(): AsyncGenerator<AnswerBatch> {
    // Taken between writes: the iterator's snapshot then holds every write counted so far.
    const { iterator, writesBefore } = await this.#serially(async () => ({
      iterator: this.#answers.iterator(),
      writesBefore: this.#writes,
    }));
    let rebuild = await AnswerLogWriter.start(this.#log.path).catch(() => undefined);
    let whole = false;
    try {
      for await (const entries of this.#databaseBatches(iterator)) {
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
    await this.#serially(async () => {
      if (!whole || this.#writes !== writesBefore) {
        await rebuild.abandon();
        return;
      }
      try {
        const marker = await rebuild.finish();
        await this.#db.batch([this.#markerOperation(marker)], DURABLE_WRITE);
        this.#logMarker = marker;
      } catch {
        await rebuild.abandon();
      }
    });
  }

  /**
   * The iterator's entries in batches of raw strings. nextv: a thousand entries per trip to the
   * native side; the next trip starts before this batch is consumed, so LevelDB reads (in libuv's
   * threads) while JavaScript decodes.
   */
  async *#databaseBatches(iterator: EntryIterator): AsyncGenerator<Array<[string, string]>> {
    let next: Promise<Array<[string, string]>> | undefined;
    try {
      next = iterator.nextv(READ_BATCH);
      for (let batch = await next; batch.length > 0; batch = await next) {
        next = iterator.nextv(READ_BATCH);
        yield batch;
      }
    } finally {
      // A consumer that stops early leaves a trip in flight: let it land before closing.
      await next?.catch(() => {});
      await iterator.close();
    }
  }

  #markerOperation(marker: LogMarker | undefined) {
    return marker
      ? { type: 'put' as const, sublevel: this.#meta, key: LOG_MARKER_KEY, value: formatMarker(marker) }
      : { type: 'del' as const, sublevel: this.#meta, key: LOG_MARKER_KEY };
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work);
    this.#serial = run.catch(() => {});
    return run;
  }

  /**
   * LevelDB's estimate of the bytes on disk in the answers' key range, at about 14 bytes an
   * answer. Answers not yet flushed from the write log are not counted: they are few.
   */
  async estimateSize(): Promise<number> {
    const prefix = this.#answers.prefix;
    // `level` is classic-level on Node, which has approximateSize; its shared typings do not say so.
    const db = this.#db as unknown as { approximateSize(start: string, end: string): Promise<number> };
    const bytes = await db.approximateSize(
      prefix,
      `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`,
    );
    return Math.ceil(bytes / 14);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

function openError(path: string, error: unknown): WaError {
  const codes = new Set<string>();
  for (let cause: unknown = error; cause && typeof cause === 'object'; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') codes.add(code);
  }
  const detail = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
  if (codes.has('LEVEL_LOCKED')) {
    return new WaError(
      ErrorCodes.CACHE_LOCKED,
      `The cache folder ${path} is in use by another wa-check process. Wait for it to finish, or use another --cache folder.`,
      { cause: error },
    );
  }
  // Corruption, a missing manifest, a truncated table: the folder is the record of what was paid
  // for, so it is never reset here.
  return new WaError(
    ErrorCodes.CACHE_CORRUPT,
    `The cache folder ${path} is damaged or unreadable (${detail}). It holds the record of what was paid for, so it is not reset automatically: move it aside to start afresh, or restore it from a backup.`,
    { cause: error },
  );
}
