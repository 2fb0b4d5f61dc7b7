import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail } from './error-answer.js';
import type { Fault } from './faults.js';
import { parseFormFields } from './form.js';
import { readBody, sendHtml, sendJson } from './http-helpers.js';
import type { SimulatorState } from './state.js';
import { taskBody } from './task-body.js';

/** A status read names its task in a small form; anything larger is not one. */
const STATUS_BODY_LIMIT = 64 * 1024;

/** `GET /wa/api/simple/tasks/{id}?user_id=`: a task of this key and user. */
export async function readLegacyTask(
  state: SimulatorState,
  response: ServerResponse,
  apiKey: string,
  taskId: string,
  userId: string | null,
  fault: Fault | undefined,
): Promise<void> {
  if (!userId) return fail(state, response, 400, 'user_id is required');
  const task = state.tasks.get(taskId);
  if (!task || task.userId !== userId || task.apiKey !== apiKey) return fail(state, response, 404, 'task not found');
  await answerTask(state, response, taskId, fault);
}

/** `POST /v1/gettasks` with the form field `task_id`, multipart or urlencoded: a task of this key. */
export async function readV1Task(
  state: SimulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  apiKey: string,
  fault: Fault | undefined,
): Promise<void> {
  const body = await readBody(request, STATUS_BODY_LIMIT);
  if (!body) {
    request.resume();
    return fail(state, response, 400, 'expected a small form with task_id');
  }
  const taskId = parseFormFields(body, request.headers['content-type'])?.get('task_id')?.trim();
  if (!taskId) return fail(state, response, 400, 'task_id is required');
  const task = state.tasks.get(taskId);
  if (!task || task.apiKey !== apiKey) return fail(state, response, 404, 'task not found');
  await answerTask(state, response, taskId, fault);
}

async function answerTask(
  state: SimulatorState,
  response: ServerResponse,
  taskId: string,
  fault: Fault | undefined,
): Promise<void> {
  if (fault?.kind === 'html') return sendHtml(response);
  await state.hooks.beforeStatus?.(taskId);
  state.ledger.statusReads++;
  sendJson(response, 200, taskBody(state, state.tasks.get(taskId)!, state.options.clock()));
}
