import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTask } from './create-handler.js';
import { fail } from './error-answer.js';
import type { FaultTarget } from './faults.js';
import { delay, sendHtml, sendJson } from './http-helpers.js';
import type { SimulatorState } from './state.js';
import { readLegacyTask, readV1Task } from './status-handler.js';

const LEGACY_TASK_PATH = /^\/wa\/api\/simple\/tasks\/([^/]+)$/;

/** One call of either API version, as routed from its method and path. */
type Route =
  | { call: 'create'; dialect: 'legacy' | 'v1' }
  | { call: 'legacy-status'; taskId: string }
  | { call: 'v1-status' }
  | { call: 'balance' };

function routeOf(method: string | undefined, pathname: string): Route | undefined {
  if (method === 'POST' && pathname === '/wa/api/simple/tasks') return { call: 'create', dialect: 'legacy' };
  if (method === 'POST' && pathname === '/v1/tasks') return { call: 'create', dialect: 'v1' };
  if (method === 'POST' && pathname === '/v1/gettasks') return { call: 'v1-status' };
  if (method === 'GET' && pathname === '/v1/balance') return { call: 'balance' };
  const taskId = method === 'GET' ? LEGACY_TASK_PATH.exec(pathname)?.[1] : undefined;
  return taskId === undefined ? undefined : { call: 'legacy-status', taskId };
}

const FAULT_TARGET: Record<Route['call'], FaultTarget> = {
  create: 'create',
  'legacy-status': 'status',
  'v1-status': 'status',
  balance: 'balance',
};

/**
 * Serves the provider's API (api-contract.md) on the API origin: the legacy paths and the v1
 * ones side by side, as the provider's hosts do, over one account, ledger and task store.
 */
export function createApiHandler(state: SimulatorState) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    if (request.method === 'GET' && url.pathname === '/__admin/ledger') {
      sendJson(response, 200, state.ledger.snapshot());
      return;
    }
    const route = routeOf(request.method, url.pathname);
    if (!route) return fail(state, response, 404, 'not found');
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || key !== state.options.apiKey) {
      return fail(state, response, 401, 'invalid or missing api key');
    }
    const now = state.options.clock();
    let waitMs = state.rateLimiter?.check(key, now) ?? 0;
    if (waitMs === 0 && route.call === 'balance') waitMs = state.balanceRateLimiter?.check(key, now) ?? 0;
    if (waitMs > 0) {
      return fail(state, response, 429, 'too many requests', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
    if (state.random() < state.options.serverErrorRate) {
      return fail(state, response, 500, 'internal error');
    }
    const fault = state.faults.take(FAULT_TARGET[route.call]);
    if (fault?.kind === 'delay') await delay(fault.delayMs ?? 1000);
    if (fault?.kind === 'hang') return hang(state, request);
    if (fault?.kind === 'status')
      return fail(state, response, fault.status ?? 500, fault.message ?? 'injected failure');

    switch (route.call) {
      case 'create':
        return createTask(state, request, response, key, route.dialect, fault);
      case 'legacy-status':
        return readLegacyTask(state, response, key, route.taskId, url.searchParams.get('user_id'), fault);
      case 'v1-status':
        return readV1Task(state, request, response, key, fault);
      case 'balance':
        if (fault?.kind === 'html') return sendHtml(response);
        state.ledger.balanceReads++;
        return sendJson(response, 200, state.account.body(state.options.clock()));
    }
  };
}

/** Never answers; the socket is released when the client gives up or the simulator closes. */
function hang(state: SimulatorState, request: IncomingMessage): void {
  request.resume();
  state.hangingSockets.add(request.socket);
  request.socket.once('close', () => state.hangingSockets.delete(request.socket));
}
