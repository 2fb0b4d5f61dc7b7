import { NO_NUMBER, State } from './answer-state.js';
import type { JobState } from './job-state.js';
import { readSpoolKeys } from './spool.js';
import { planTaskSizes, type TaskSizing } from './task-plan.js';

/** What the job will send to the provider. */
export interface CheckPlan {
  /** The numbers to upload, in the order their first rows come in the input. */
  numbers: Float64Array;
  /** How many tasks they make (planTaskSizes cuts them when their turn comes). */
  tasks: number;
  /** In a fleet: numbers another worker claimed first, answered when its answers land. */
  taken: string[];
}

/** In a fleet, planned numbers are claimed before tasks are cut (fleet.ts). */
export interface PlanClaims {
  claimPlanned(numbers: Float64Array, state: JobState): Promise<{ mine: Float64Array; taken: string[] }>;
}

/**
 * Planning, between the passes: what the cache did not answer is to be checked (unless a task a
 * previous run left in the journal holds it), in the order of the input's rows, read back from
 * the spool's keys, so that tasks finish in input order and pass 2 can stream rows as they do.
 */
export async function planChecks(
  state: JobState,
  spoolPath: string,
  sizing: TaskSizing,
  claims?: PlanClaims,
): Promise<CheckPlan> {
  const count = state.planUnknown();
  let numbers: Float64Array = new Float64Array(count);
  if (count > 0) {
    let index = 0;
    let row = state.rowsAnsweredEarly; // the first spooled row, counted from 0
    for await (const keys of readSpoolKeys(spoolPath)) {
      for (let i = 0; i < keys.length; i++, row++) {
        const key = keys[i]!;
        if (key !== NO_NUMBER && !state.isDuplicateRow(row) && state.stateOf(key) === State.TO_CHECK && index < count)
          numbers[index++] = key;
      }
    }
    if (index !== count) {
      // Not expected (every number to check has its first row spooled); the table's order is as good.
      index = 0;
      for (const key of state.numbersToCheck()) numbers[index++] = key;
    }
  }
  let taken: string[] = [];
  if (claims && count > 0) ({ mine: numbers, taken } = await claims.claimPlanned(numbers, state));
  return { numbers, taken, tasks: planTaskSizes(numbers.length, sizing).length };
}
