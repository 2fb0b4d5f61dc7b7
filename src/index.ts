// The public surface, exported by name.
export { ErrorCodes, WaError, CreateUnconfirmedError, isWaError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { startSimulator } from './simulator/index.js';
export type { RunningSimulator, SimulatorOptions, ResultQuirks, Fault, FaultTarget, LedgerSnapshot, OracleAnswer } from './simulator/index.js';
export { WaClient, DEFAULT_API_URL } from './api/client.js';
export type { WaClientOptions, CallOptions, WaitOptions } from './api/client.js';
export type { ProviderTask, TaskStatus } from './api/task.js';
export type { ResultRecord, Answer } from './api/result-reader.js';
export { reconcile } from './api/reconcile.js';
export type { Reconciliation } from './api/reconcile.js';
export { PollSchedule } from './api/poll-schedule.js';
export type { PollScheduleOptions, PollObservation } from './api/poll-schedule.js';
export type { RetryOptions } from './api/retry.js';
