// The storage of a fleet of workers on one Redis: shared answers, task slots, claims on numbers
// and the task journal. Each takes RedisConnectionOptions: a URL, or one shared ioredis client.
export { NumberClaims, type ClaimResult, type NumberClaimsOptions } from './number-claims.js';
export { parseRedisUrl, type RedisConnectionOptions } from './redis-connection.js';
export { RedisResultCache, type RedisResultCacheOptions } from './redis-result-cache.js';
export { RedisTaskJournal, type RedisTaskJournalOptions } from './redis-task-journal.js';
export { TaskSlot, TaskSlots, type TaskSlotsOptions } from './task-slots.js';
