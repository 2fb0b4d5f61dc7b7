import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_TASK_ROWS, PRODUCTS, type Product } from '../api/products.js';
import { fail } from './error-answer.js';
import type { Fault } from './faults.js';
import { readBody, sendHtml, sendJson } from './http-helpers.js';
import { fieldText, parseMultipart } from './multipart.js';
import type { PriceKey } from './options.js';
import type { SimulatorState } from './state.js';
import { taskBody } from './task-body.js';

/** A line the provider accepts: E.164, or E.164 digits without the `+`. */
const ACCEPTED_LINE = /^\+?[1-9]\d{6,14}$/;
/** Room for the multipart envelope around the file. */
const ENVELOPE_BYTES = 64 * 1024;

/**
 * Creates a task from an upload: `POST /wa/api/simple/tasks` (legacy: `user_id` required) or
 * `POST /v1/tasks` (`task_type` required, `user_id` optional). Whatever is refused (400, 402,
 * 413) is free; a created task is charged to the account and the ledger before it is answered.
 */
export async function createTask(
  state: SimulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  apiKey: string,
  dialect: 'legacy' | 'v1',
  fault: Fault | undefined,
): Promise<void> {
  const body = await readBody(request, state.options.maxFileBytes + ENVELOPE_BYTES);
  if (!body) {
    request.resume();
    return fail(state, response, 413, `file too large: the limit is ${state.options.maxFileBytes} bytes`);
  }
  const parts = parseMultipart(body, request.headers['content-type']);
  if (!parts) return fail(state, response, 400, 'expected a multipart/form-data body');
  const field = (name: string) => fieldText(parts, name);
  const userId = field('user_id') ?? '';
  const taskType = field('task_type');
  if (dialect === 'legacy' && !userId) return fail(state, response, 400, 'user_id is required');
  if (dialect === 'v1' && !(PRODUCTS as readonly string[]).includes(taskType ?? '')) {
    return fail(state, response, 400, `task_type must be one of ${PRODUCTS.join(', ')}`);
  }
  const kind: PriceKey = dialect === 'legacy' ? 'legacy' : (taskType as Product);
  const file = parts.find((part) => part.name === 'file');
  if (!file) return fail(state, response, 400, 'file is required');
  if (file.data.length > state.options.maxFileBytes) {
    return fail(state, response, 413, `file too large: the limit is ${state.options.maxFileBytes} bytes`);
  }
  const numbers: string[] = [];
  const lines = file.data.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!ACCEPTED_LINE.test(line)) return fail(state, response, 400, `line ${i + 1} is not a phone number`);
    numbers.push(line.startsWith('+') ? line : `+${line}`);
  }
  if (numbers.length === 0) return fail(state, response, 400, 'file is empty');
  const minRows = state.options.minRows[kind];
  const label = dialect === 'legacy' ? 'this API' : `task_type ${kind}`;
  if (numbers.length < minRows) {
    return fail(state, response, 400, `row count ${numbers.length} is below the minimum of ${minRows} for ${label}`);
  }
  if (numbers.length > MAX_TASK_ROWS) {
    return fail(state, response, 400, `row count ${numbers.length} is above the maximum of ${MAX_TASK_ROWS}`);
  }

  const now = state.options.clock();
  const charge = state.account.charge(kind, numbers.length, now);
  if (!charge.ok) return fail(state, response, 402, charge.reason);
  const task = state.tasks.create(apiKey, numbers, now, {
    dialect,
    kind,
    userId,
    amountMicros: charge.micros,
    failMessage:
      fault?.kind === 'fail-task' ? (fault.message ?? 'the task could not be processed, please retry') : undefined,
  });
  state.ledger.recordCreate(numbers);
  await state.hooks.afterCreate?.(task.taskId, numbers);
  if (fault?.kind === 'drop-after-create') {
    // Paid for, never told: the client sees the connection die.
    response.socket?.destroy();
    return;
  }
  if (fault?.kind === 'gateway-after-create') {
    sendJson(response, fault.status ?? 502, { error: 'bad gateway' });
    return;
  }
  if (fault?.kind === 'html') return sendHtml(response);
  sendJson(response, state.options.createStatus, taskBody(state, task, now));
}
