import type { IncomingMessage, ServerResponse } from 'node:http';
import { goTimestamp } from './provider-format.js';
import { delay, readBody, sendHtml, sendJson } from './http-helpers.js';
import { parseMultipart } from './multipart.js';
import type { Fault } from './faults.js';
import type { SimulatorState } from './state.js';
import type { SimulatedTask } from './task-store.js';

const TASKS_PATH = '/wa/api/simple/tasks';
/** A line the provider accepts: E.164, or E.164 digits without the `+`. */
const ACCEPTED_LINE = /^\+?[1-9]\d{6,14}$/;
/** Room for the multipart envelope around the file. */
const ENVELOPE_BYTES = 64 * 1024;

/** Serves the provider's API (api-contract.md) on the API origin. */
export function createApiHandler(state: SimulatorState) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    if (request.method === 'GET' && url.pathname === '/__admin/ledger') {
      sendJson(response, 200, state.ledger.snapshot());
      return;
    }
    const isCreate = request.method === 'POST' && url.pathname === TASKS_PATH;
    const taskId = request.method === 'GET' ? /^\/wa\/api\/simple\/tasks\/([^/]+)$/.exec(url.pathname)?.[1] : undefined;
    if (!isCreate && taskId === undefined) {
      return fail(state, response, 404, 'not found');
    }
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || key !== state.options.apiKey) {
      return fail(state, response, 401, 'invalid or missing api key');
    }
    const waitMs = state.rateLimiter?.check(key, state.options.clock()) ?? 0;
    if (waitMs > 0) {
      return fail(state, response, 429, 'too many requests', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
    if (state.random() < state.options.serverErrorRate) {
      return fail(state, response, 500, 'internal error');
    }
    const fault = state.faults.take(isCreate ? 'create' : 'status');
    if (fault?.kind === 'delay') await delay(fault.delayMs ?? 1000);
    if (fault?.kind === 'hang') return hang(state, request);
    if (fault?.kind === 'status') return fail(state, response, fault.status ?? 500, 'injected failure');

    if (isCreate) await createTask(state, request, response, key, fault);
    else await readTask(state, response, key, taskId!, url.searchParams.get('user_id'), fault);
  };
}

async function createTask(
  state: SimulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  apiKey: string,
  fault: Fault | undefined,
): Promise<void> {
  const body = await readBody(request, state.options.maxFileBytes + ENVELOPE_BYTES);
  if (!body) {
    request.resume();
    return fail(state, response, 413, `file too large: the limit is ${state.options.maxFileBytes} bytes`);
  }
  const parts = parseMultipart(body, request.headers['content-type']);
  if (!parts) return fail(state, response, 400, 'expected a multipart/form-data body');
  const userId = parts
    .find((part) => part.name === 'user_id')
    ?.data.toString('utf8')
    .trim();
  const file = parts.find((part) => part.name === 'file');
  if (!userId) return fail(state, response, 400, 'user_id is required');
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

  const now = state.options.clock();
  const task = state.tasks.create(apiKey, userId, numbers, now, fault?.kind === 'fail-task');
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
  sendJson(response, 200, taskBody(state, task, now));
}

async function readTask(
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
  if (fault?.kind === 'html') return sendHtml(response);
  await state.hooks.beforeStatus?.(taskId);
  state.ledger.statusReads++;
  sendJson(response, 200, taskBody(state, task, state.options.clock()));
}

function taskBody(state: SimulatorState, task: SimulatedTask, now: number): Record<string, unknown> {
  const view = state.tasks.view(task, now);
  const body: Record<string, unknown> = {
    created_at: goTimestamp(task.createdAt),
    updated_at: goTimestamp(view.updatedAt),
    task_id: task.taskId,
    user_id: task.userId,
    status: view.status,
    total: view.total,
    success: view.success,
    failure: view.failure,
  };
  if (view.status === 'exported') body.result_url = state.resultUrl(task, now);
  return body;
}

function fail(
  state: SimulatorState,
  response: ServerResponse,
  status: number,
  error: string,
  headers?: Record<string, string>,
): void {
  state.ledger.recordFreeError(status);
  sendJson(response, status, { error }, headers);
}

/** Never answers; the socket is released when the client gives up or the simulator closes. */
function hang(state: SimulatorState, request: IncomingMessage): void {
  request.resume();
  state.hangingSockets.add(request.socket);
  request.socket.once('close', () => state.hangingSockets.delete(request.socket));
}
