import { ErrorCodes, WaError } from '../errors.js';
import { excerpt } from './status-errors.js';

export type TaskStatus = 'pending' | 'processing' | 'completed' | 'exported' | 'failed';

/** A task as the provider reports it. */
export interface ProviderTask {
  taskId: string;
  userId: string;
  status: TaskStatus;
  /** Numbers in the task; 0 while pending. */
  total: number;
  /** Numbers checked so far (not the count of "yes"). */
  success: number;
  /** Numbers that could not be checked. */
  failure: number;
  createdAt: string;
  updatedAt: string;
  /** Only when exported: a pre-signed link to the results. */
  resultUrl?: string;
}

const STATUSES: readonly string[] = ['pending', 'processing', 'completed', 'exported', 'failed'];

/** Parses and checks a task body; anything unexpected is `WA_BAD_RESPONSE`, never a guess. */
export function parseTask(text: string, what: string): ProviderTask {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new WaError(ErrorCodes.BAD_RESPONSE, `The ${what} answer is not JSON: "${excerpt(text, 80)}".`, {
      cause,
      bodyExcerpt: excerpt(text),
    });
  }
  const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const problem = (field: string) =>
    new WaError(ErrorCodes.BAD_RESPONSE, `The ${what} answer has no valid \`${field}\`.`, {
      bodyExcerpt: excerpt(text),
    });
  if (typeof record.task_id !== 'string' || record.task_id === '') throw problem('task_id');
  if (typeof record.status !== 'string' || !STATUSES.includes(record.status)) throw problem('status');
  const count = (field: string): number => {
    const value = record[field] ?? 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw problem(field);
    return value;
  };
  const task: ProviderTask = {
    taskId: record.task_id,
    userId: typeof record.user_id === 'string' ? record.user_id : '',
    status: record.status as TaskStatus,
    total: count('total'),
    success: count('success'),
    failure: count('failure'),
    createdAt: typeof record.created_at === 'string' ? record.created_at : '',
    updatedAt: typeof record.updated_at === 'string' ? record.updated_at : '',
  };
  if (typeof record.result_url === 'string' && record.result_url !== '') task.resultUrl = record.result_url;
  if (task.status === 'exported' && !task.resultUrl) throw problem('result_url');
  return task;
}
