import type { Product } from '../api/products.js';
import type { ResultExtras } from '../api/reconcile.js';
import type { Answer } from '../api/result-reader.js';

/** An answer that was paid for, and when the provider gave it. */
export interface CachedAnswer {
  whatsapp: Answer;
  /** When the answer was checked, in ms since 1970. */
  checkedAt: number;
  /** A richer product's extra columns (`ws_active`, `ws_avatar`), as opaque text; never for `ws`. */
  extras?: ResultExtras | undefined;
}

/**
 * Where answers live between jobs, so a number is paid for once. Only `yes` and `no` are ever
 * stored: a failure is no answer.
 *
 * To write your own, implement the four core methods; the optional ones are fast paths a job
 * uses when they are there (see `withDefaults`). Then run the contract suite against it:
 * `resultCacheContract` from `wa-bulk-checker/testing`.
 */
export interface ResultCache {
  /** Looks numbers up in one batch; `undefined` where there is no answer. */
  getMany(numbers: readonly string[]): Promise<Array<CachedAnswer | undefined>>;
  /** Stores answers durably: once this resolves, they survive a crash. A later put of a number replaces its answer. */
  putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<void>;
  deleteMany(numbers: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /** Optional: every stored answer, in number order. */
  entries?(): AsyncIterable<[string, CachedAnswer]>;
  /**
   * Optional: every stored answer in bulk, as columns, for a job that reads the whole cache: the
   * fast form of `entries()`, in no particular order. A number may come more than once: its
   * first appearance is its current answer, and a later one is never more recent (so a reader
   * can skip stale answers and keep the first fresh one).
   */
  answerBatches?(): AsyncIterable<AnswerBatch>;
  /**
   * Optional: the answers of a richer v1 product (`ws_active`, `ws_avatar`), with their extra
   * columns, in a key space of their own; this cache itself holds `ws`. Without it, a job of
   * those products refuses this cache (WA_INVALID_OPTION) rather than lose what it paid for.
   */
  forProduct?(product: Exclude<Product, 'ws'>): ResultCache;
  /**
   * Optional: roughly how many answers are stored. A job whose numbers are a large share of the
   * cache reads it through (`answerBatches()`) instead of looking each number up; a cache that
   * cannot say is always looked up.
   */
  estimateSize?(): Promise<number>;
}

/** Answers as columns. Keys are numbers as NumberTable keys (`e164ToKey`). */
export interface AnswerBatch {
  length: number;
  keys: Float64Array;
  /** When each answer was checked, in whole seconds since 1970 (as the cache stores it). */
  checkedAtSeconds: Uint32Array;
  /** 1 for a `yes`, 0 for a `no`. */
  yes: Uint8Array;
}

/** 30 days: how long an answer is trusted before the number is checked again. */
export const DEFAULT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

export function isFresh(answer: CachedAnswer | undefined, maxAgeMs: number, now: number): answer is CachedAnswer {
  return answer !== undefined && now - answer.checkedAt <= maxAgeMs;
}

/** `y1732712345` (answer, then seconds): compact values keep the database small and fast. */
export function encodeAnswer(answer: CachedAnswer): string {
  return `${answer.whatsapp === 'yes' ? 'y' : 'n'}${Math.floor(answer.checkedAt / 1000)}`;
}

export function decodeAnswer(value: string | undefined): CachedAnswer | undefined {
  if (value === undefined) return undefined;
  const flag = value.charCodeAt(0);
  if (flag !== 121 && flag !== 110) return undefined; // y, n
  return { whatsapp: flag === 121 ? 'yes' : 'no', checkedAt: Number(value.slice(1)) * 1000 };
}
