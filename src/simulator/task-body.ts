import { formatAmount } from './account.js';
import { taskFields } from './provider-format.js';
import type { SimulatorState } from './state.js';
import type { SimulatedTask } from './task-store.js';

/**
 * The task object as the API that created the task spells it. Legacy: the documented fields.
 * v1: `user_id` only when one was given, `estimated_amount` from creation on, `actual_amount`
 * once the task is over, and `message` when it failed.
 */
export function taskBody(state: SimulatorState, task: SimulatedTask, now: number): Record<string, unknown> {
  const view = state.tasks.view(task, now);
  const body = taskFields({ ...task, ...view });
  if (view.status === 'exported') body.result_url = state.resultUrl(task, now);
  if (task.dialect === 'v1') {
    const amount = { amount: formatAmount(task.amountMicros), currency: state.options.account.currency };
    body.estimated_amount = amount;
    if (view.status === 'exported' || view.status === 'failed') body.actual_amount = amount;
    if (view.status === 'failed') body.message = task.failMessage;
  }
  return body;
}
