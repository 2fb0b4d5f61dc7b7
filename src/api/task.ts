import type { Redact } from './redact.js';
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
  /** v1: what the task is expected to cost, applied at creation. */
  estimatedAmount?: Amount;
  /** v1: what the task cost in the end. */
  actualAmount?: Amount;
  /** v1: the provider's word on the task, e.g. why it `failed`. */
  message?: string;
}

/** A sum of money as the provider writes it: a decimal string and a currency, e.g. USD. */
export interface Amount {
  amount: string;
  currency: string;
}

const STATUSES: readonly string[] = ['pending', 'processing', 'completed', 'exported', 'failed'];

/** Parses and checks a task body; anything unexpected is `WA_BAD_RESPONSE`, never a guess. */
export function parseTask(text: string, what: string, redact: Redact = (shown) => shown): ProviderTask {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new WaError(ErrorCodes.BAD_RESPONSE, `The ${what} answer is not JSON: "${excerpt(redact(text), 80)}".`, {
      cause,
      bodyExcerpt: excerpt(redact(text)),
    });
  }
  const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const problem = (field: string) =>
    new WaError(ErrorCodes.BAD_RESPONSE, `The ${what} answer has no valid \`${field}\`.`, {
      bodyExcerpt: excerpt(redact(text)),
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
  // Amounts and the message only inform: a malformed one is left out rather than failing the
  // read, since failing it would strand a task that is already paid for.
  const estimated = amountOf(record.estimated_amount);
  if (estimated) task.estimatedAmount = estimated;
  const actual = amountOf(record.actual_amount);
  if (actual) task.actualAmount = actual;
  if (typeof record.message === 'string' && record.message !== '') task.message = excerpt(redact(record.message), 200);
  if (task.status === 'exported' && !task.resultUrl) throw problem('result_url');
  return task;
}

function amountOf(value: unknown): Amount | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { amount, currency } = value as Record<string, unknown>;
  const text = typeof amount === 'number' && Number.isFinite(amount) ? String(amount) : amount;
  if (typeof text !== 'string' || !/^-?\d+(\.\d+)?$/.test(text.trim())) return undefined;
  return { amount: text.trim(), currency: typeof currency === 'string' ? currency : '' };
}
