import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

  /**
   * Opens (or creates) the folder. Fails with WA_CACHE_LOCKED, WA_CACHE_UNWRITABLE or
   * WA_CACHE_CORRUPT: a folder that holds a cache but will not open, or whose LevelDB said it
   * dropped damaged records, is never started afresh (it is the record of what was paid for);
   * `repairCache` mends it.
   */
  static async open(path: string, { repairing = false }: { repairing?: boolean } = {}): Promise<CacheFolder> {
    const missing = await missingCurrentFile(path);
    if (missing) throw corrupt(path, missing);
    const database = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await database.open();
    } catch (error) {
      throw storageError(path, error);
    }
    const folder = new CacheFolder(path, database);
    if (repairing) return folder;
    try {
      await folder.#refuseIfDamaged();
    } catch (error) {
      await database.close();
      throw error;
    }
    return folder;
  }

  /**
   * classic-level opens LevelDB without paranoid checks (and has no option for them): a damaged
   * write-ahead log is skipped, and only LevelDB's own LOG says so. What it dropped may be
   * journal entries, so the folder is marked damaged (durably: the next open finds a clean LOG)
   * until a repair.
   */
  async #refuseIfDamaged(): Promise<void> {
    const meta = this.sublevel('meta');
    const said = await readFile(join(this.path, 'LOG'), 'latin1').catch(() => '');
    const dropped = /dropping \d+ bytes[^\n]*/.exec(said);
    if (dropped) await meta.put(DAMAGED_KEY, dropped[0], DURABLE_WRITE);
    const damaged = await meta.get(DAMAGED_KEY);
    if (damaged !== undefined) throw corrupt(this.path, `LevelDB dropped damaged records: ${damaged}`);
  }

  /**
   * LevelDB's own repair (RepairDB): rebuilds the manifest and CURRENT from the tables and logs
   * it finds, keeping every record it can read. The folder must be closed.
   */
  static async repairDatabase(path: string): Promise<void> {
    // classic-level has it; level's shared typings do not say so.
    await (Level as unknown as { repair(location: string): Promise<void> }).repair(path);
  }

  /** After a repair: the folder is whole again. */
  async clearDamaged(): Promise<void> {
    await this.serially(() => this.sublevel('meta').del(DAMAGED_KEY, DURABLE_WRITE));
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

/** The meta sublevel's key that marks a folder damaged until it is repaired. */
const DAMAGED_KEY = 'damaged';

/** LevelDB's own files, and the answer log: a folder with any of them holds a cache. */
const CACHE_FILE = /^(?:MANIFEST-\d+|\d+\.(?:log|ldb|sst)|wa-answers\.bin)$/;

/** Why a folder that holds a cache has no CURRENT file (LevelDB would start it afresh), or undefined. */
async function missingCurrentFile(path: string): Promise<string | undefined> {
  const names = await readdir(path).catch(() => [] as string[]);
  if (names.includes('CURRENT') || !names.some((name) => CACHE_FILE.test(name))) return undefined;
  return 'its CURRENT file is missing, so LevelDB would start an empty database over it';
}

function errorCodes(error: unknown): Set<string> {
  const codes = new Set<string>();
  for (let cause: unknown = error; cause && typeof cause === 'object'; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') codes.add(code);
  }
  return codes;
}

function detailOf(error: unknown): string {
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return inner instanceof Error ? inner.message : String(inner);
}

function corrupt(path: string, detail: string, cause?: unknown): WaError {
  return new WaError(
    ErrorCodes.CACHE_CORRUPT,
    `The cache folder ${path} is damaged (${detail}). It holds the record of what was paid for, so it is not reset automatically: run \`wa-check cache repair\` (repairCache), which mends it from the copy every answer has, or move it aside to start afresh.`,
    { cause },
  );
}

function unwritable(path: string, detail: string, remedy: string, cause: unknown): WaError {
  return new WaError(
    ErrorCodes.CACHE_UNWRITABLE,
    `The cache folder ${path} cannot be written (${detail}). Nothing in it is damaged: ${remedy}, or use another --cache folder.`,
    { cause },
  );
}

/**
 * What a LevelDB error means for the user, as a WaError: the folder is locked, cannot be written
 * (permissions, a read-only or full disk: nothing is damaged), or is damaged.
 */
export function storageError(path: string, error: unknown): WaError {
  if (error instanceof WaError) return error;
  const codes = errorCodes(error);
  const detail = detailOf(error);
  if (codes.has('LEVEL_LOCKED')) {
    return new WaError(
      ErrorCodes.CACHE_LOCKED,
      `The cache folder ${path} is in use by another wa-check process. Wait for it to finish, or use another --cache folder.`,
      { cause: error },
    );
  }
  if (
    /no space left on device|disk quota exceeded/i.test(detail) ||
    ['ENOSPC', 'EDQUOT'].some((code) => codes.has(code))
  )
    return unwritable(path, detail, 'free some space on its disk', error);
  if (
    /permission denied|read-only file system|operation not permitted/i.test(detail) ||
    ['EACCES', 'EPERM', 'EROFS'].some((code) => codes.has(code))
  )
    return unwritable(path, detail, 'give this user write access to it', error);
  // Corruption, a missing manifest, a truncated table: never reset here.
  return corrupt(path, detail, error);
}
