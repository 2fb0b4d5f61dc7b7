// The public surface, exported by name.
export { ErrorCodes, WaError, CreateUnconfirmedError, isWaError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { startSimulator } from './simulator/index.js';
export type {
  RunningSimulator,
  SimulatorOptions,
  ResultQuirks,
  Fault,
  FaultTarget,
  LedgerSnapshot,
  OracleAnswer,
  AccountOptions,
  PriceKey,
} from './simulator/index.js';
export { WaClient, DEFAULT_API_URL } from './api/client.js';
export type { WaClientOptions, CallOptions, WaitOptions } from './api/client.js';
export type { ProviderTask, TaskStatus, Amount } from './api/task.js';
export { PRODUCT_SPECS, PRODUCTS, MAX_TASK_ROWS, taskLimits } from './api/products.js';
export type { ApiDialectName, Product, TaskLimits } from './api/products.js';
export type { Balance } from './api/balance.js';
export { TaskSizeError } from './api/task-size.js';
export type { ResultRecord, Answer } from './api/result-reader.js';
export { reconcile } from './api/reconcile.js';
export type { Reconciliation, ResultExtras } from './api/reconcile.js';
export { PollSchedule } from './api/poll-schedule.js';
export type { PollScheduleOptions, PollObservation } from './api/poll-schedule.js';
export type { RetryOptions } from './api/retry.js';
export { MIN_POLL_INTERVAL_MS, MIN_SIMULATOR_POLL_MS } from './api/client-options.js';
export type { GiveUpOptions } from './api/client-options.js';
export { TaskStalledError, RetryLaterError, ProviderUnreachableError } from './api/wait-errors.js';
export type { StallReason } from './api/wait-errors.js';
export type { WaitEvent, WaitListener } from './api/wait-events.js';
export type { Clock } from './api/clock.js';
export { checkNumbers, CheckJob } from './job/check-numbers.js';
export type { CheckResult } from './job/check-numbers.js';
export { ResultBlock, toResults } from './job/result-block.js';
export type { CheckOptions } from './job/options.js';
export type { FleetOptions } from './job/fleet-options.js';
export type { CheckSummary, JobProgress, JobCounts, TaskProgress } from './job/progress.js';
export type { ResultCache, CachedAnswer, AnswerBatch } from './store/result-cache.js';
export { withDefaults } from './store/with-defaults.js';
export type { CompleteResultCache } from './store/with-defaults.js';
export { answerBatchOf } from './store/answer-batch.js';
export { LevelResultCache } from './store/level-result-cache.js';
export type { LevelResultCacheOptions } from './store/level-result-cache.js';
export { MemoryResultCache } from './store/memory-result-cache.js';
export { LevelTaskJournal, MemoryTaskJournal } from './store/task-journal.js';
export { verifyCache, repairCache } from './store/cache-repair.js';
export type { CacheVerification, CacheRepair } from './store/cache-repair.js';
export type { TaskJournal, JournalEntry, JournalState } from './store/task-journal.js';
export { normalizeNumber } from './normalize/normalize-number.js';
export type { NormalizeResult, InvalidReason } from './normalize/normalize-number.js';
export { NumberTable } from './dedupe/number-table.js';
export { planTaskSizes } from './job/task-plan.js';
export { readInput } from './input/read-input.js';
export type {
  ColumnChosen,
  ColumnsChosen,
  InputSource,
  InputRecord,
  InputRow,
  InputFormat,
  ReadInputOptions,
} from './input/read-input.js';
export { writeResults, formatOfPath } from './output/write-results.js';
export type { OutputFormat, ResultSource } from './output/write-results.js';
