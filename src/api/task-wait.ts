import { ErrorCodes, WaError } from '../errors.js';
import type { Clock } from './clock.js';
import type { ResolvedGiveUp, WaitOptions } from './client-options.js';
import { PollSchedule, type PollScheduleOptions, phaseOf } from './poll-schedule.js';
import { StallWatch } from './stall-watch.js';
import type { ProviderTask } from './task.js';
import { TaskStalledError } from './wait-errors.js';
import { announcer, type WaitListener } from './wait-events.js';

/** What finished tasks taught a client about the provider's pace; shared by its waits. */
export interface LearnedPace {
  /** Numbers per second per task. */
  rate?: number | undefined;
  /**
   * The shortest export seen, from the first read that found processing over to the read that
   * found the export: an upper bound that only comes down (see PollSchedule's expectedExportMs).
   */
  exportMs?: number | undefined;
}

export interface TaskWaitDeps {
  clock: Clock;
  poll: PollScheduleOptions;
  giveUp: Pick<ResolvedGiveUp, 'pendingMs' | 'stalledMs'>;
  onWait: WaitListener | undefined;
  learned: LearnedPace;
  read: (taskId: string, options: WaitOptions) => Promise<ProviderTask>;
}

/**
 * Polls a task until it is exported (see `WaClient.waitForTask`): reads timed by `PollSchedule`,
 * given up by `StallWatch`, each wait of a few seconds or more announced.
 */
export async function waitForExport(taskId: string, options: WaitOptions, deps: TaskWaitDeps): Promise<ProviderTask> {
  const { clock, learned } = deps;
  const startedAt = clock.now();
  const schedule = new PollSchedule(
    {
      ...deps.poll,
      expectedRate: deps.poll.expectedRate ?? learned.rate,
      expectedExportMs: deps.poll.expectedExportMs ?? learned.exportMs,
      expectedTotal: options.expectedTotal,
    },
    startedAt,
  );
  const watch = new StallWatch(deps.giveUp, startedAt);
  const announce = announcer(clock, deps.onWait, options.onWait);
  let firstProcessing: { at: number; done: number } | undefined;
  let firstCompletedAt: number | undefined;
  let delay = schedule.firstDelay();
  let reason = 'created';
  for (;;) {
    announce(delay, { what: 'poll', call: 'status read', taskId, reason });
    await clock.sleep(delay, options.signal);
    const task = await deps.read(taskId, options);
    options.onProgress?.(task);
    const at = clock.now();
    const done = task.success + task.failure;
    const phase = phaseOf(task);
    if (phase === 'processing') firstProcessing ??= { at, done };
    if (phase === 'completed') firstCompletedAt ??= at;
    if (task.status === 'exported') {
      if (firstCompletedAt !== undefined)
        learned.exportMs = Math.min(learned.exportMs ?? Infinity, at - firstCompletedAt);
      if (firstProcessing && at > firstProcessing.at && task.total > firstProcessing.done) {
        // A lower bound on the rate (the task finished before this read): a safe prior.
        learned.rate = ((task.total - firstProcessing.done) * 1000) / (at - firstProcessing.at);
      }
      return task;
    }
    if (task.status === 'failed') {
      throw new WaError(
        ErrorCodes.TASK_FAILED,
        `The provider reports task ${taskId} as failed${task.message ? `: ${task.message}` : ''} (${task.success} checked, ${task.failure} failed).`,
      );
    }
    const stalled = watch.observe({ at, status: phase, total: task.total, done });
    if (stalled) throw new TaskStalledError(task, stalled.reason, stalled.since, stalled.limitMs);
    delay = schedule.nextDelay({ at, status: phase, total: task.total, done });
    const stillSince = watch.stillSince;
    // A still task is read once more at its deadline, not after a long measured wait past it.
    if (stillSince !== undefined) delay = Math.min(delay, Math.max(1, watch.deadline - at));
    reason = stillSince === undefined ? phase : `${phase}, still since ${new Date(stillSince).toISOString()}`;
    if (phase === 'processing' && schedule.predictedEndAt !== undefined) {
      // Measured between two reads while processing: the rate itself, a prior for the first
      // read of tasks created from now on (the next round's, created before this one ends).
      learned.rate = (task.total * 1000) / schedule.processingMs!;
      options.onEndPredicted?.(schedule.predictedEndAt, schedule.processingMs!);
    }
  }
}
