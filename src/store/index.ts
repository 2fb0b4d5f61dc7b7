// The storage module: everything that lives in a cache folder, and the interfaces a cache or
// journal of your own implements.
export {
  DEFAULT_MAX_AGE_MS,
  isFresh,
  type AnswerBatch,
  type CachedAnswer,
  type ResultCache,
} from './result-cache.js';
export { withDefaults, type CompleteResultCache } from './with-defaults.js';
export { answerBatchOf } from './answer-batch.js';
export { LevelResultCache, type LevelResultCacheOptions } from './level-result-cache.js';
export { MemoryResultCache } from './memory-result-cache.js';
export {
  LevelTaskJournal,
  MemoryTaskJournal,
  taskKey,
  type JournalEntry,
  type JournalState,
  type TaskJournal,
} from './task-journal.js';
export { repairCache, verifyCache, type CacheRepair, type CacheVerification } from './cache-repair.js';
export { storageError } from './cache-folder.js';
