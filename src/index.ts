// The public surface: what a user of the library needs, exported by name. Everything else is
// internal and may change between versions. The simulator is at `wa-bulk-checker/simulator`, the
// contract suites for your own ResultCache or TaskJournal at `wa-bulk-checker/testing`.

// One job: check a list, stream its results, read its summary.
export { CheckJob, checkNumbers } from './job/check-numbers.js';
export type { CheckOptions, TopUpPolicy } from './job/options.js';
export type { BalanceReport, TopUpReport } from './job/cost-report.js';
export type { CheckSummary, JobCounts, JobProgress, TaskProgress } from './job/progress.js';
export type { JobWait } from './job/job-waits.js';
export type { CheckResult, ResultBlock } from './job/result-block.js';
export type { TextColumn } from './job/text-column.js';
export type { ColumnChosen, ColumnsChosen, InputFormat, InputRecord, InputSource } from './input/read-input.js';

// Writing results to a file or a stream.
export { formatOfPath, writeResults } from './output/write-results.js';
export type { OutputFormat, ResultItem, ResultSource, WriteResultsOptions } from './output/write-results.js';

// Normalizing one number as the job does.
export { normalizeNumber } from './normalize/normalize-number.js';
export type { InvalidReason, NormalizeResult } from './normalize/normalize-number.js';

// The provider's API, for callers who drive it themselves or pass their own client to a job.
export { DEFAULT_API_URL, WaClient } from './api/client.js';
export type { CallOptions, WaClientOptions, WaitOptions } from './api/client.js';
export type { GiveUpOptions } from './api/client-options.js';
export type { Clock } from './api/clock.js';
export type { Balance } from './api/balance.js';
export type { PollScheduleOptions } from './api/poll-schedule.js';
export type { ApiDialectName, Product, TaskLimits } from './api/products.js';
export type { Reconciliation, ResultExtras } from './api/reconcile.js';
export type { Answer, ResultRecord } from './api/result-reader.js';
export type { RetryOptions } from './api/retry.js';
export type { Amount, ProviderTask, TaskStatus } from './api/task.js';
export type { WaitEvent, WaitListener } from './api/wait-events.js';

// Errors: each has a stable `code` (README, "Errors").
export { CreateUnconfirmedError, ErrorCodes, isWaError, WaError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { TaskSizeError } from './api/task-size.js';
export { ProviderUnreachableError, RetryLaterError, TaskStalledError } from './api/wait-errors.js';
export type { StallReason } from './api/wait-errors.js';

// What was paid for: the caches and the task journal, and what it takes to write your own.
export type { AnswerBatch, CachedAnswer, ResultCache } from './store/result-cache.js';
export { LevelResultCache } from './store/level-result-cache.js';
export type { LevelResultCacheOptions } from './store/level-result-cache.js';
export { MemoryResultCache } from './store/memory-result-cache.js';
export { MemoryTaskJournal } from './store/task-journal.js';
export type { JournalEntry, JournalState, ResultError, TaskJournal } from './store/task-journal.js';
export { repairCache, verifyCache } from './store/cache-repair.js';
export type { CacheRepair, CacheVerification } from './store/cache-repair.js';
