import { Level } from 'level';
import { LRUCache } from 'lru-cache';
import { ErrorCodes, WaError } from '../errors.js';
import { decodeAnswer, encodeAnswer, type CachedAnswer, type ResultCache } from './result-cache.js';

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

/**
 * The default ResultCache: a LevelDB folder (`level`) with an LRU in front. The folder also
 * holds the task journal (see TaskJournal), in its own sublevel, so that answers and the record
 * of what was paid for live and die together. LevelDB's lock makes it one process per folder.
 */
export class LevelResultCache implements ResultCache {
  readonly path: string;
  readonly #db: Database;
  readonly #answers: StringSublevel;
  readonly #memory: LRUCache<string, CachedAnswer>;

  private constructor(path: string, db: Database, options: LevelResultCacheOptions) {
    this.path = path;
    this.#db = db;
    this.#answers = stringSublevel(db, 'answers');
    this.#memory = new LRUCache({ max: options.memoryEntries ?? 100_000 });
  }

  /** Opens (or creates) the cache folder. Fails with WA_CACHE_LOCKED or WA_CACHE_CORRUPT. */
  static async open(path: string, options: LevelResultCacheOptions = {}): Promise<LevelResultCache> {
    const db = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (error) {
      throw openError(path, error);
    }
    return new LevelResultCache(path, db, options);
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
    // sync: an answer that was paid for must survive a crash right after this resolves.
    await this.#answers.batch(
      entries.map(([number, answer]) => ({ type: 'put' as const, key: number, value: encodeAnswer(answer) })),
      DURABLE_WRITE,
    );
    for (const [number, answer] of entries) this.#memory.set(number, answer);
  }

  async deleteMany(numbers: readonly string[]): Promise<void> {
    await this.#answers.batch(numbers.map((key) => ({ type: 'del' as const, key })));
    for (const number of numbers) this.#memory.delete(number);
  }

  async *entries(): AsyncIterable<[string, CachedAnswer]> {
    const iterator = this.#answers.iterator();
    let next: Promise<Array<[string, string]>> | undefined;
    try {
      // nextv: a thousand entries per trip to the native side. The next trip starts before this
      // batch is consumed, so LevelDB reads (in libuv's threads) while JavaScript decodes.
      next = iterator.nextv(1000);
      for (let batch = await next; batch.length > 0; batch = await next) {
        next = iterator.nextv(1000);
        for (const [number, value] of batch) {
          const answer = decodeAnswer(value);
          if (answer) yield [number, answer];
        }
      }
    } finally {
      // A consumer that stops early leaves a trip in flight: let it land before closing.
      await next?.catch(() => {});
      await iterator.close();
    }
  }

  /**
   * LevelDB's estimate of the bytes on disk in the answers' key range, at about 14 bytes an
   * answer. Answers not yet flushed from the write log are not counted: they are few.
   */
  async estimateSize(): Promise<number> {
    const prefix = this.#answers.prefix;
    // `level` is classic-level on Node, which has approximateSize; its shared typings do not say so.
    const db = this.#db as unknown as { approximateSize(start: string, end: string): Promise<number> };
    const bytes = await db.approximateSize(prefix, `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`);
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
    return new WaError(ErrorCodes.CACHE_LOCKED, `The cache folder ${path} is in use by another wa-check process. Wait for it to finish, or use another --cache folder.`, { cause: error });
  }
  // Corruption, a missing manifest, a truncated table: the folder is the record of what was paid
  // for, so it is never reset here.
  return new WaError(
    ErrorCodes.CACHE_CORRUPT,
    `The cache folder ${path} is damaged or unreadable (${detail}). It holds the record of what was paid for, so it is not reset automatically: move it aside to start afresh, or restore it from a backup.`,
    { cause: error },
  );
}
