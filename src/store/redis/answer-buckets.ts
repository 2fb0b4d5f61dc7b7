import type { CachedAnswer } from '../result-cache.js';
import { keyOfStoredNumber } from '../answer-batch.js';

/**
 * Where an answer lives in Redis, chosen for memory: a few bytes per answer instead of a key
 * each (a Redis key costs ~70-90 bytes before its value).
 *
 * A number n (its E.164 digits as an integer) lives in the hash `a:{n mod 10^d}` under the field
 * `floor(n / 10^d)`, with d = `bucketDigits` (5: 100,000 buckets). The low digits of phone numbers
 * are spread evenly, so buckets fill evenly whatever the list; fields and values are integers,
 * which a listpack (Redis's compact encoding of small hashes) stores in 2-9 bytes. A bucket stays
 * a listpack up to `hash-max-listpack-entries` fields (128 by default): with 5 digits that is
 * about 12.8M answers; past that, buckets turn into real hash tables and memory per answer
 * grows about fourfold, so a bigger cache wants 6 digits (set when the namespace is first used).
 *
 * An answer is one integer: `(seconds since 2020 - 2020) * 2 + yes`, under 2^31 until 2054, so a
 * listpack stores it in 5 bytes.
 */
export const DEFAULT_BUCKET_DIGITS = 5;

/** 2020-01-01T00:00:00Z in seconds: answers are stamped from here, to keep the integers small. */
const STAMP_EPOCH_SECONDS = 1_577_836_800;

export class AnswerBuckets {
  readonly digits: number;
  readonly #size: number;
  readonly #prefix: string;

  constructor(prefix: string, digits: number) {
    this.digits = digits;
    this.#size = 10 ** digits;
    this.#prefix = `${prefix}a:`;
  }

  /** The bucket key and field of an E.164 number, or undefined for anything else. */
  locate(number: string): { key: string; field: string } | undefined {
    const n = keyOfStoredNumber(number);
    if (n === 0) return undefined;
    return { key: `${this.#prefix}${n % this.#size}`, field: String(Math.floor(n / this.#size)) };
  }

  /** The number (as a NumberTable key) a bucket's field stands for. */
  numberKey(bucket: number, field: number): number {
    return field * this.#size + bucket;
  }

  keyOf(bucket: number): string {
    return `${this.#prefix}${bucket}`;
  }

  /** What every bucket key starts with; the bucket's number follows. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  get count(): number {
    return this.#size;
  }
}

export function packAnswer(answer: CachedAnswer): string {
  const seconds = Math.floor(answer.checkedAt / 1000) - STAMP_EPOCH_SECONDS;
  return String(seconds * 2 + (answer.whatsapp === 'yes' ? 1 : 0));
}

export function unpackAnswer(value: string | null | undefined): CachedAnswer | undefined {
  if (value === null || value === undefined) return undefined;
  const packed = Number(value);
  if (!Number.isSafeInteger(packed)) return undefined;
  const halves = Math.floor(packed / 2);
  return {
    whatsapp: packed - halves * 2 === 1 ? 'yes' : 'no',
    checkedAt: (halves + STAMP_EPOCH_SECONDS) * 1000,
  };
}

/** The stamp's seconds since 1970 and its yes flag, for answer batches, without an object. */
export function unpackColumns(value: string): { seconds: number; yes: number } {
  const packed = Number(value);
  const halves = Math.floor(packed / 2);
  return { seconds: halves + STAMP_EPOCH_SECONDS, yes: packed - halves * 2 };
}
