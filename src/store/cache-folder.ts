import { Level } from 'level';
import PQueue from 'p-queue';
import { ErrorCodes, WaError } from '../errors.js';

export type Database = Level<string, string>;
/** A sublevel with string keys and values. */
export type StringSublevel = ReturnType<typeof stringSublevel>;

export function stringSublevel(database: Database, name: string) {
  return database.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
}

/** classic-level's fsync-before-resolve write option (not in abstract-level's types). */
export const DURABLE_WRITE = { sync: true, keyEncoding: 'utf8', valueEncoding: 'utf8' };

/**
 * One cache folder: its LevelDB handle and the one queue its writes go through. The answers
 * (LevelResultCache), the task journal (LevelTaskJournal) and the answer log all live here, so
 * that answers and the record of what was paid for live and die together. LevelDB's lock makes
 * it one process per folder.
 */
export class CacheFolder {
  readonly path: string;
  readonly database: Database;
  /**
   * Writes run one at a time, in the order asked: an append to the answer log needs the log's
   * end as the previous write left it. p-queue rather than a hand-made promise chain: it also
   * tells when the folder is idle, so `close()` lets queued writes land first.
   */
  readonly #writes = new PQueue({ concurrency: 1 });

  private constructor(path: string, database: Database) {
    this.path = path;
    this.database = database;
  }

  /** Opens (or creates) the folder. Fails with WA_CACHE_LOCKED or WA_CACHE_CORRUPT. */
  static async open(path: string): Promise<CacheFolder> {
    const database = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await database.open();
    } catch (error) {
      throw openError(path, error);
    }
    return new CacheFolder(path, database);
  }

  sublevel(name: string): StringSublevel {
    return stringSublevel(this.database, name);
  }

  /** Runs `write` once every write queued before it has finished. */
  serially<T>(write: () => Promise<T>): Promise<T> {
    return this.#writes.add(write);
  }

  async close(): Promise<void> {
    await this.#writes.onIdle();
    await this.database.close();
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
