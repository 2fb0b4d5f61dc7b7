import { ErrorCodes, WaError } from '../errors.js';
import { answerBatchOf } from './answer-batch.js';
import type { AnswerBatch, CachedAnswer, ResultCache } from './result-cache.js';

/** A ResultCache with every fast path a job uses: what `withDefaults` makes of any cache. */
export interface CompleteResultCache extends ResultCache {
  answerBatches(): AsyncIterable<AnswerBatch>;
  estimateSize(): Promise<number>;
}

/** Answers per batch when a full read is made from `entries()`. */
const BATCH = 1000;

/**
 * The cache with defaults for the optional methods it lacks: `estimateSize()` is `Infinity`
 * (the size is unknown, so a job looks numbers up with `getMany`, which every cache answers);
 * `answerBatches()` is made from `entries()`, and without `entries()` it fails, since nothing
 * can read such a cache through. A cache with both fast paths is returned as it is.
 */
export function withDefaults(cache: ResultCache): CompleteResultCache {
  if (cache.answerBatches && cache.estimateSize) return cache as CompleteResultCache;
  return {
    getMany: (numbers) => cache.getMany(numbers),
    putMany: (entries) => cache.putMany(entries),
    deleteMany: (numbers) => cache.deleteMany(numbers),
    close: () => cache.close(),
    ...(cache.entries && { entries: () => cache.entries!() }),
    ...(cache.forProduct && { forProduct: (product) => cache.forProduct!(product) }),
    answerBatches: () => (cache.answerBatches ? cache.answerBatches() : batchesOfEntries(cache)),
    estimateSize: () => (cache.estimateSize ? cache.estimateSize() : Promise.resolve(Number.POSITIVE_INFINITY)),
  };
}

async function* batchesOfEntries(cache: ResultCache): AsyncGenerator<AnswerBatch> {
  if (!cache.entries) {
    throw new WaError(
      ErrorCodes.INVALID_OPTION,
      'This ResultCache has neither answerBatches() nor entries(), so it cannot be read through; look numbers up with getMany().',
    );
  }
  let chunk: Array<[string, CachedAnswer]> = [];
  for await (const entry of cache.entries()) {
    chunk.push(entry);
    if (chunk.length < BATCH) continue;
    yield answerBatchOf(chunk, chunk.length);
    chunk = [];
  }
  if (chunk.length > 0) yield answerBatchOf(chunk, chunk.length);
}
