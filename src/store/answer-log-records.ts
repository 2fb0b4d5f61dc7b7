import type { AnswerBatch } from './result-cache.js';

/** The answer log's records: how answers become 16 bytes each, and back. */

/**
 * A record: key as float64 (0), checked-at seconds as uint32 (8), then a uint32 (12) holding the
 * flag in its low byte and a 24-bit checksum of the rest above it. Without the checksum a flipped
 * flag byte was a wrong answer served as cached, and a record of random bytes a number bought again.
 */
export const RECORD_BYTES = 16;
const FLAG_YES = 1;
const FLAG_NO = 2;

/** A batch as log records. */
export function encodeRecords(batch: AnswerBatch): Uint8Array {
  const bytes = new Uint8Array(batch.length * RECORD_BYTES);
  const keys = new Float64Array(bytes.buffer);
  const words = new Uint32Array(bytes.buffer);
  for (let i = 0; i < batch.length; i++) {
    keys[i * 2] = batch.keys[i]!;
    const seconds = batch.checkedAtSeconds[i]!;
    words[i * 4 + 2] = seconds;
    const flag = batch.yes[i] === 1 ? FLAG_YES : FLAG_NO;
    words[i * 4 + 3] = (flag | (recordCheck(words[i * 4]!, words[i * 4 + 1]!, seconds, flag) << 8)) >>> 0;
  }
  return bytes;
}

/**
 * A 24-bit checksum of a record's key words, seconds and flag (a murmur3-style mix: a few
 * multiplies per record keep the 10M-record read fast; a damaged record passes it once in 16M).
 */
function recordCheck(keyLow: number, keyHigh: number, seconds: number, flag: number): number {
  let h = Math.imul(keyLow ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ keyHigh, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ seconds, 0x27d4eb2f);
  h ^= flag;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) & 0xff_ffff;
}

/** Room for `count` answers. */
function emptyBatch(count: number): AnswerBatch {
  return {
    length: 0,
    keys: new Float64Array(count),
    checkedAtSeconds: new Uint32Array(count),
    yes: new Uint8Array(count),
  };
}

/** A record (four 32-bit words) whose flag is an answer and whose checksum holds. */
function isSound(words: Uint32Array, record: number): boolean {
  const tail = words[record * 4 + 3]!;
  const flag = tail & 0xff;
  return (
    (flag === FLAG_YES || flag === FLAG_NO) &&
    tail >>> 8 === recordCheck(words[record * 4]!, words[record * 4 + 1]!, words[record * 4 + 2]!, flag)
  );
}

export function latestSecondsOf(batch: AnswerBatch): number {
  let latest = 0;
  for (let i = 0; i < batch.length; i++) latest = Math.max(latest, batch.checkedAtSeconds[i]!);
  return latest;
}

/** A record whose checksum fails: the log is not to be trusted for it, nor (read newest first) for what follows. */
export class AnswerLogDamaged extends Error {
  constructor(record: number) {
    super(`the answer log's record ${record} fails its checksum`);
    this.name = 'AnswerLogDamaged';
  }
}

/** Records `first`..`first + count` of the chunk, newest first; throws at a damaged one. */
export function decodeRecordsReversed(chunk: ArrayBuffer, count: number, first: number): AnswerBatch {
  const keys = new Float64Array(chunk);
  const words = new Uint32Array(chunk);
  const batch = emptyBatch(count);
  for (let record = count - 1; record >= 0; record--) {
    if (!isSound(words, record)) throw new AnswerLogDamaged(first + record);
    const at = batch.length++;
    const tail = words[record * 4 + 3]!;
    batch.keys[at] = keys[record * 2]!;
    batch.checkedAtSeconds[at] = words[record * 4 + 2]!;
    batch.yes[at] = (tail & 0xff) === FLAG_YES ? 1 : 0;
  }
  return batch;
}

/**
 * Every record of a chunk whose checksum holds, in file order, and how many failed it: what a
 * repair can still take from a damaged log.
 */
export function decodeSoundRecords(chunk: ArrayBuffer, count: number): { batch: AnswerBatch; damaged: number } {
  const keys = new Float64Array(chunk);
  const words = new Uint32Array(chunk);
  const batch = emptyBatch(count);
  let damaged = 0;
  for (let record = 0; record < count; record++) {
    if (!isSound(words, record)) {
      damaged++;
      continue;
    }
    const at = batch.length++;
    batch.keys[at] = keys[record * 2]!;
    batch.checkedAtSeconds[at] = words[record * 4 + 2]!;
    batch.yes[at] = (words[record * 4 + 3]! & 0xff) === FLAG_YES ? 1 : 0;
  }
  return { batch, damaged };
}
