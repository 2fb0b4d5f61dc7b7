import { taskFields } from '../simulator/provider-format.js';
import { type ClientTaskRecord, viewOf } from './client-task.js';

/**
 * A client task as the provider's API spells it for the dialect it was created through: the
 * legacy fields always with `user_id`, v1 with `user_id` only when one was given; `result_url`
 * once exported. Counters are of the client's own numbers.
 */
export function taskAnswer(task: ClientTaskRecord, resultUrl: () => string): Record<string, unknown> {
  const view = viewOf(task);
  const body = taskFields({ ...task, ...view });
  if (view.status === 'exported') body.result_url = resultUrl();
  return body;
}
