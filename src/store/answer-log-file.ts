import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import {
  AnswerLogDamaged,
  decodeRecordsReversed,
  decodeSoundRecords,
  encodeRecords,
  latestSecondsOf,
  RECORD_BYTES,
} from './answer-log-records.js';
import type { AnswerBatch } from './result-cache.js';

export { AnswerLogDamaged };

/**
 * The answer log's file: a 32-byte header (magic, byte order, the log's random token), then
 * fixed 16-byte records, each with its own checksum. What the records are trusted for is the
 * protocol's business (answer-log.ts).
 */

/** The log's file name in the cache folder (LevelDB ignores names it does not recognize). */
export const ANSWER_LOG_FILE = 'wa-answers.bin';

/** Version 2: records carry a checksum (a version 1 log is not ours any more, and is rebuilt). */
const MAGIC = 'WAANSLG2';
const HEADER_BYTES = 32;
/** Written in the platform's byte order; a log moved to a machine with the other order is ignored. */
const BYTE_ORDER_CHECK = 0x01020304;
/** Records per read when the log is read back: 1 MB. */
const READ_RECORDS = 65_536;

/**
 * Which log the database vouches for, how many of its records, and the latest checked-at second
 * among them. Appends never go back in time (see `AnswerLog`), so a number's later records are
 * never older than its earlier ones: read newest first, its first record is its current answer.
 */
export interface LogMarker {
  token: string;
  count: number;
  latestSeconds: number;
  /** Records for a number an earlier record already holds (answers checked again): dead weight to every read. */
  superseded: number;
}

/** The log file at `path`: checks, appends and reads against a marker the caller keeps. */
export class AnswerLogFile {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Whether the file is the log `marker` names, with all of its records. */
  async matches(marker: LogMarker): Promise<boolean> {
    let file: FileHandle | undefined;
    try {
      file = await open(this.path, 'r');
      const header = Buffer.alloc(HEADER_BYTES);
      await readFully(file, header, 0);
      const { size } = await file.stat();
      return headerToken(header) === marker.token && size >= HEADER_BYTES + marker.count * RECORD_BYTES;
    } catch {
      return false;
    } finally {
      await file?.close();
    }
  }

  /** Writes a new, empty log, durably; returns its marker. */
  async create(): Promise<LogMarker> {
    const writer = await AnswerLogWriter.start(this.path);
    return writer.finish();
  }

  /**
   * Writes `batch` after the marker's last record, durably (the caller then commits the returned
   * marker with the answers). `superseded`: how many of them replace an answer the cache holds
   * (a count for compaction only).
   */
  async append(marker: LogMarker, batch: AnswerBatch, superseded: number): Promise<LogMarker> {
    const records = encodeRecords(batch);
    const file = await open(this.path, 'r+');
    try {
      await file.write(records, 0, records.length, HEADER_BYTES + marker.count * RECORD_BYTES);
      await file.datasync();
    } finally {
      await file.close();
    }
    return {
      token: marker.token,
      count: marker.count + batch.length,
      latestSeconds: Math.max(marker.latestSeconds, latestSecondsOf(batch)),
      superseded: marker.superseded + superseded,
    };
  }

  /** The marker's records, newest first (so the first record of a number is its current answer). */
  async *readNewestFirst(marker: LogMarker): AsyncGenerator<AnswerBatch> {
    const file = await open(this.path, 'r');
    try {
      // The file may have been replaced since the marker was taken (a rebuild by another reader).
      const header = Buffer.alloc(HEADER_BYTES);
      await readFully(file, header, 0);
      if (headerToken(header) !== marker.token) throw new Error('the answer log was replaced');
      const chunk = new ArrayBuffer(READ_RECORDS * RECORD_BYTES);
      for (let end = marker.count; end > 0; ) {
        const start = Math.max(0, end - READ_RECORDS);
        const bytes = new Uint8Array(chunk, 0, (end - start) * RECORD_BYTES);
        await readFully(file, bytes, HEADER_BYTES + start * RECORD_BYTES);
        yield decodeRecordsReversed(chunk, end - start, start);
        end = start;
      }
    } finally {
      await file.close();
    }
  }

  /**
   * Every record in the file from `from` on, whatever a marker says, in file order, leaving out
   * those that fail their checksum (counted): what a repair, or a restore of records the database
   * lost, can take from the log. Undefined when the file is missing or not a log of ours.
   */
  async readSound(from = 0): Promise<{ token: string; batches: AnswerBatch[]; damaged: number } | undefined> {
    let file: FileHandle | undefined;
    try {
      file = await open(this.path, 'r');
    } catch {
      return undefined;
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      await readFully(file, header, 0).catch(() => header.fill(0));
      const token = headerToken(header);
      if (token === undefined) return undefined;
      const records = Math.floor(((await file.stat()).size - HEADER_BYTES) / RECORD_BYTES);
      const batches: AnswerBatch[] = [];
      let damaged = 0;
      const chunk = new ArrayBuffer(READ_RECORDS * RECORD_BYTES);
      for (let start = from; start < records; start += READ_RECORDS) {
        const count = Math.min(READ_RECORDS, records - start);
        await readFully(file, new Uint8Array(chunk, 0, count * RECORD_BYTES), HEADER_BYTES + start * RECORD_BYTES);
        const sound = decodeSoundRecords(chunk, count);
        batches.push(sound.batch);
        damaged += sound.damaged;
      }
      return { token, batches, damaged };
    } finally {
      await file.close();
    }
  }
}

/** A whole new log, written beside the old one and moved into its place by `finish()`. */
export class AnswerLogWriter {
  readonly #path: string;
  readonly #file: FileHandle;
  readonly #token: string;
  #count = 0;
  #latestSeconds = 0;

  private constructor(path: string, file: FileHandle, token: string) {
    this.#path = path;
    this.#file = file;
    this.#token = token;
  }

  static async start(path: string): Promise<AnswerLogWriter> {
    const token = randomBytes(16).toString('hex');
    const file = await open(`${path}.tmp`, 'w');
    try {
      await file.write(encodeHeader(token), 0, HEADER_BYTES, 0);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new AnswerLogWriter(path, file, token);
  }

  /** Adds a batch of answers from a read of the database: each number once, so in any time order. */
  async add(batch: AnswerBatch): Promise<void> {
    const records = encodeRecords(batch);
    await this.#file.write(records, 0, records.length, HEADER_BYTES + this.#count * RECORD_BYTES);
    this.#count += batch.length;
    this.#latestSeconds = Math.max(this.#latestSeconds, latestSecondsOf(batch));
  }

  /** Makes the new log durable and puts it in place; returns its marker for the caller to commit. */
  async finish(): Promise<LogMarker> {
    try {
      await this.#file.datasync();
    } finally {
      await this.#file.close();
    }
    await rename(`${this.#path}.tmp`, this.#path);
    return { token: this.#token, count: this.#count, latestSeconds: this.#latestSeconds, superseded: 0 };
  }

  async abandon(): Promise<void> {
    await this.#file.close().catch(() => {});
    await unlink(`${this.#path}.tmp`).catch(() => {});
  }
}

function encodeHeader(token: string): Uint8Array {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  new Uint32Array(header.buffer, header.byteOffset + 8, 1)[0] = BYTE_ORDER_CHECK;
  Buffer.from(token, 'hex').copy(header, 16);
  return header;
}

/** The token of a log header, or undefined when the header is not one of ours (or not in this byte order). */
function headerToken(header: Buffer): string | undefined {
  if (header.toString('latin1', 0, 8) !== MAGIC) return undefined;
  if (new Uint32Array(header.buffer.slice(header.byteOffset + 8, header.byteOffset + 12))[0] !== BYTE_ORDER_CHECK)
    return undefined;
  return header.toString('hex', 16, 32);
}

async function readFully(file: FileHandle, target: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < target.length; ) {
    const { bytesRead } = await file.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) throw new Error('the answer log ends early');
    done += bytesRead;
  }
}
