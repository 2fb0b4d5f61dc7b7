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
} from './simulator/index.js';
export { WaClient, DEFAULT_API_URL } from './api/client.js';
export type { WaClientOptions, CallOptions, WaitOptions } from './api/client.js';
export type { ProviderTask, TaskStatus } from './api/task.js';
export type { ResultRecord, Answer } from './api/result-reader.js';
export { reconcile } from './api/reconcile.js';
export type { Reconciliation } from './api/reconcile.js';
export { PollSchedule } from './api/poll-schedule.js';
export type { PollScheduleOptions, PollObservation } from './api/poll-schedule.js';
export type { RetryOptions } from './api/retry.js';
export { checkNumbers, CheckJob } from './job/check-numbers.js';
export type { CheckResult } from './job/check-numbers.js';
export { ResultBlock, toResults } from './job/result-block.js';
export type { CheckOptions } from './job/options.js';
export type { CheckSummary, JobProgress, JobCounts, TaskProgress } from './job/progress.js';
export type { ResultCache, CachedAnswer } from './cache/result-cache.js';
export { LevelResultCache } from './cache/level-result-cache.js';
export { MemoryResultCache } from './cache/memory-result-cache.js';
export type { TaskJournal, JournalEntry, JournalState } from './job/task-journal.js';
export { normalizeNumber } from './normalize/normalize-number.js';
export type { NormalizeResult, InvalidReason } from './normalize/normalize-number.js';
export { NumberTable } from './dedupe/number-table.js';
export { planTaskSizes } from './job/task-plan.js';
export { readInput } from './input/read-input.js';
export type { InputSource, InputRecord, InputRow, InputFormat, ReadInputOptions } from './input/read-input.js';
export { writeResults, formatOfPath } from './output/write-results.js';
export type { OutputFormat, ResultItem, ResultSource, WriteResultsOptions } from './output/write-results.js';
