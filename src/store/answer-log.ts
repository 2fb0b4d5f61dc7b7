import type { CachedAnswer, AnswerBatch } from './result-cache.js';
import { answerBatchOf, checkedAtSecondsOf } from './answer-batch.js';
import { AnswerLogFile, AnswerLogWriter, type LogMarker } from './answer-log-file.js';

export { ANSWER_LOG_FILE, type LogMarker } from './answer-log-file.js';

/** The key of the log's marker in the database's meta sublevel. */
export const LOG_MARKER_KEY = 'answer-log';
/**
 * The marker of a log given up on purpose (a delete, an answer older than the log): its records
 * are not answers to restore. A marker missing altogether was lost with LevelDB's records.
 */
export const DROPPED_MARKER = 'dropped';

/** Below this many records a log is never worth rewriting. */
const COMPACT_ABOVE_RECORDS = 100_000;

/**
 * The answer log: every answer the cache stores, appended as a fixed 16-byte record to one file
 * beside the database. LevelDB stays the source of truth; the log is its read-optimized copy for
 * jobs that read the whole cache. Reading 7.7M answers through LevelDB's iterator costs ~4 s of
 * CPU (a key and a value string per answer, made on the JavaScript thread); reading them from the
 * log is one sequential file read and a typed-array walk.
 *
 * The log is trusted only as far as a marker in the database says: the marker (the log's random
 * token and how many records belong to it) is written in the same LevelDB batch as the answers
 * it covers, after their records are on disk. This class decides what goes in the marker; its
 * owner commits it (`markerText`) with the answers, then reports the commit (`committed`).
 * Records past the marker's count (a crash between the two writes) are ignored and overwritten;
 * a missing, short or foreign file, or a missing marker, means no log, and the next full read of
 * the database writes a new one (`startRebuild`).
 */
export class AnswerLog {
  readonly #file: AnswerLogFile;
  /** The log the database vouches for; undefined while there is none. */
  #marker: LogMarker | undefined;

  constructor(path: string) {
    this.#file = new AnswerLogFile(path);
  }

  get path(): string {
    return this.#file.path;
  }

  /** The committed log's records, and how many a later record supersedes; undefined without one. */
  get stats(): { records: number; superseded: number } | undefined {
    const marker = this.#marker;
    return marker && { records: marker.count, superseded: marker.superseded };
  }

  /** Trusts the file if it is the log the stored marker names, with all of its records. */
  async adopt(storedMarker: string | undefined): Promise<boolean> {
    const marker = parseMarker(storedMarker);
    this.#marker = marker && (await this.#file.matches(marker)) ? marker : undefined;
    return this.#marker !== undefined;
  }

  /** A new, empty log, for an empty database (so that it never needs rebuilding): commit the marker returned. */
  async startEmpty(): Promise<LogMarker> {
    return this.#file.create();
  }

  /**
   * Writes answers after the committed records, durably, and returns the marker to commit with
   * them: undefined when the log cannot take them (then the marker is deleted, and the answers
   * never depend on the log). `countSuperseded`: how many of them replace a stored answer.
   */
  async append(
    entries: ReadonlyArray<readonly [string, CachedAnswer]>,
    countSuperseded: () => Promise<number>,
  ): Promise<LogMarker | undefined> {
    const marker = this.#marker;
    if (!marker || !canAppend(marker, entries)) return undefined;
    try {
      return await this.#file.append(marker, answerBatchOf(entries, entries.length), await countSuperseded());
    } catch {
      return undefined;
    }
  }

  /** The database committed `marker` (undefined: it deleted it). */
  committed(marker: LogMarker | undefined): void {
    this.#marker = marker;
  }

  /**
   * The log's records, newest first (a number's first record is its current answer); undefined
   * when there is no log, or one mostly superseded (`needsCompaction`): read the database instead.
   * A read that fails drops the log, and what it yielded so far stays right.
   */
  read(): AsyncGenerator<AnswerBatch> | undefined {
    const marker = this.#marker;
    if (!marker || needsCompaction(marker)) return undefined;
    return this.#readDroppingOnFailure(marker);
  }

  async *#readDroppingOnFailure(marker: LogMarker): AsyncGenerator<AnswerBatch> {
    try {
      yield* this.#file.readNewestFirst(marker);
    } catch (error) {
      if (this.#marker === marker) this.#marker = undefined;
      throw error;
    }
  }

  /** Every sound record in the file from record `from` on, whatever the marker says (see AnswerLogFile.readSound). */
  readSound(from = 0) {
    return this.#file.readSound(from);
  }

  /** A new log written from a full read of the database; undefined when the folder cannot take one. */
  async startRebuild(): Promise<AnswerLogWriter | undefined> {
    return AnswerLogWriter.start(this.#file.path).catch(() => undefined);
  }
}

export function markerText(marker: LogMarker): string {
  return `${marker.token}:${marker.count}:${marker.latestSeconds}:${marker.superseded}`;
}

export function parseMarker(text: string | undefined): LogMarker | undefined {
  const match = text === undefined ? null : /^([0-9a-f]{32}):(\d+):(\d+)(?::(\d+))?$/.exec(text);
  return match
    ? { token: match[1]!, count: Number(match[2]), latestSeconds: Number(match[3]), superseded: Number(match[4] ?? 0) }
    : undefined;
}

/**
 * Whether a full read should come from LevelDB instead, which writes the log anew without its
 * superseded records: once they are more than half of it (a list checked again every month would
 * otherwise grow the log by its size each time, and every read with it).
 */
export function needsCompaction(marker: LogMarker): boolean {
  return marker.count > COMPACT_ABOVE_RECORDS && marker.superseded * 2 > marker.count;
}

/**
 * Whether answers can go to the end of the log: none may be older than what it holds (a clock
 * set back, or answers stored with old times). If one is, the log is dropped and rebuilt later:
 * read newest first, a number must never meet a fresher old copy.
 */
export function canAppend(marker: LogMarker, answers: ReadonlyArray<readonly [string, CachedAnswer]>): boolean {
  let latest = marker.latestSeconds;
  for (const [, answer] of answers) {
    const seconds = checkedAtSecondsOf(answer);
    if (seconds < latest) return false;
    latest = seconds;
  }
  return true;
}
