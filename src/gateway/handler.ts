import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { denied } from '../simulator/download-handler.js';
import { newTaskId } from '../simulator/provider-format.js';
import { parseFormFields } from '../simulator/form.js';
import { readBody, sendJson } from '../simulator/http-helpers.js';
import { fieldText, parseMultipart } from '../simulator/multipart.js';
import type { LinkSigner } from '../simulator/signed-link.js';
import { type ClientKeys, type GatewayClient, sameSecret } from './client-keys.js';
import { type ClientTaskRecord, parseUpload } from './client-task.js';
import type { ClientRateLimits } from './client-rate-limits.js';
import type { ClientTaskStore } from './client-task-store.js';
import { taskAnswer } from './task-answer.js';
import type { UpstreamPool } from './upstream-pool.js';
import type { UsageLedger } from './usage-ledger.js';

/** Everything the HTTP front reads and drives. */
export interface GatewayContext {
  clients: ClientKeys;
  /** Reads `/__gateway/usage`; without one, that path answers 404. */
  adminKey: string | undefined;
  store: ClientTaskStore;
  pool: UpstreamPool;
  usage: UsageLedger;
  rateLimits: ClientRateLimits;
  /** The price of one number: with it, `/v1/balance` is in money; without, in numbers. */
  pricePerNumber: number | undefined;
  signer: LinkSigner;
  linkTtlMs: number;
  maxUploadBytes: number;
  /** The gateway's own base URL, for result links. */
  baseUrl: () => string;
  log: (event: Record<string, unknown>) => void;
}

const LEGACY_TASKS = '/wa/api/simple/tasks';
const LEGACY_TASK_PATH = /^\/wa\/api\/simple\/tasks\/([^/]+)$/;
const RESULT_PATH = /^\/results\/([0-9a-v]{20})\.xlsx$/;
/** Room for the multipart envelope around the file. */
const ENVELOPE_BYTES = 64 * 1024;
/** A status read names its task in a small form. */
const STATUS_BODY_LIMIT = 64 * 1024;

/**
 * Serves the provider's API, both dialects on the same paths as the provider, to clients with
 * their own gateway keys; result files on pre-signed links; usage to the admin. One JSON log line
 * per request, with the client's name and never a key or a query string (it holds signatures).
 */
export function createGatewayHandler(context: GatewayContext) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const startedAt = Date.now();
    const url = new URL(request.url ?? '/', 'http://gateway');
    const seen: { client?: string } = {};
    response.once('finish', () =>
      context.log({
        event: 'request',
        method: request.method,
        path: url.pathname,
        status: response.statusCode,
        client: seen.client,
        ms: Date.now() - startedAt,
      }),
    );
    await route(context, request, response, url, seen);
  };
}

async function route(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  seen: { client?: string },
): Promise<void> {
  const { method } = request;
  const path = url.pathname;
  if (method === 'GET' && RESULT_PATH.test(path)) return download(context, response, url);
  if (method === 'GET' && path === '/__gateway/usage') {
    const key = header(request, 'x-api-key');
    if (context.adminKey === undefined) return fail(response, 404, 'not found');
    if (!sameSecret(key, context.adminKey)) return fail(response, 401, 'invalid or missing admin key');
    return sendJson(response, 200, { clients: context.usage.snapshot(), queuedNumbers: context.pool.queued });
  }
  const legacyTaskId = method === 'GET' ? LEGACY_TASK_PATH.exec(path)?.[1] : undefined;
  const known =
    (method === 'POST' && (path === LEGACY_TASKS || path === '/v1/tasks' || path === '/v1/gettasks')) ||
    (method === 'GET' && path === '/v1/balance') ||
    legacyTaskId !== undefined;
  if (!known) return fail(response, 404, 'not found');
  const client = context.clients.find(header(request, 'x-api-key'));
  if (!client) {
    request.resume();
    return fail(response, 401, 'invalid or missing api key');
  }
  seen.client = client.name;
  const waitMs = context.rateLimits.check(client);
  if (waitMs > 0) {
    request.resume();
    response.setHeader('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
    return fail(response, 429, 'too many requests');
  }
  if (path === '/v1/balance') return sendJson(response, 200, balanceOf(context, client));
  if (path === LEGACY_TASKS) return create(context, request, response, client, 'legacy');
  if (path === '/v1/tasks') return create(context, request, response, client, 'v1');
  if (path === '/v1/gettasks') {
    const body = await readBody(request, STATUS_BODY_LIMIT);
    if (!body) {
      request.resume();
      return fail(response, 400, 'expected a small form with task_id');
    }
    const taskId = parseFormFields(body, request.headers['content-type'])?.get('task_id')?.trim();
    if (!taskId) return fail(response, 400, 'task_id is required');
    return answerTask(context, response, client, taskId, undefined);
  }
  const userId = url.searchParams.get('user_id');
  if (!userId) return fail(response, 400, 'user_id is required');
  return answerTask(context, response, client, decodeURIComponent(legacyTaskId!), userId);
}

async function create(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  client: GatewayClient,
  dialect: 'legacy' | 'v1',
): Promise<void> {
  const body = await readBody(request, context.maxUploadBytes + ENVELOPE_BYTES);
  if (!body) {
    request.resume();
    return fail(response, 413, `file too large: the limit is ${context.maxUploadBytes} bytes`);
  }
  const parts = parseMultipart(body, request.headers['content-type']);
  if (!parts) return fail(response, 400, 'expected a multipart/form-data body');
  const field = (name: string) => fieldText(parts, name);
  const userId = field('user_id') ?? '';
  if (dialect === 'legacy' && !userId) return fail(response, 400, 'user_id is required');
  if (dialect === 'v1' && field('task_type') !== 'ws') {
    // The cache holds registered-or-not answers only; the other products' columns are not cached.
    return fail(response, 400, 'task_type must be ws (this gateway serves the ws product only)');
  }
  const file = parts.find((part) => part.name === 'file');
  if (!file) return fail(response, 400, 'file is required');
  if (file.data.length > context.maxUploadBytes) {
    return fail(response, 413, `file too large: the limit is ${context.maxUploadBytes} bytes`);
  }
  const upload = parseUpload(file.data.toString('utf8'));
  if (upload.numbers.length === 0 && upload.invalidLines === 0) return fail(response, 400, 'file is empty');

  if (client.maxSpend !== undefined) {
    const spent = context.usage.of(client.name).paidUpstream;
    const wouldPay = await context.pool.uncached(upload.numbers);
    if (spent + wouldPay > client.maxSpend) {
      await context.usage.add(client.name, { refused: upload.numbers.length });
      return fail(
        response,
        402,
        `insufficient balance: this task needs ${wouldPay} new numbers, ${Math.max(0, client.maxSpend - spent)} remain`,
      );
    }
  }
  const now = Date.now();
  const task: ClientTaskRecord = {
    taskId: newTaskId(now),
    client: client.name,
    dialect,
    userId,
    createdAt: now,
    numberCount: upload.numbers.length,
    invalidLines: upload.invalidLines,
    answered: 0,
    failed: 0,
  };
  // Stored (and indexed) before the pool hears of it, so no answer can pass it by.
  await context.store.add(task, upload.numbers);
  const report = await context.pool.request(upload.numbers, client.name);
  await context.usage.add(client.name, {
    submitted: upload.numbers.length,
    invalid: upload.invalidLines,
    fromCache: report.fromCache,
    joined: report.joined,
    paidUpstream: report.queued,
  });
  context.log({ event: 'client-task-created', client: client.name, taskId: task.taskId, dialect, ...report });
  sendJson(
    response,
    200,
    taskAnswer(task, () => resultUrl(context, task.taskId, now)),
  );
}

function answerTask(
  context: GatewayContext,
  response: ServerResponse,
  client: GatewayClient,
  taskId: string,
  userId: string | undefined,
): void {
  const task = context.store.get(taskId);
  const visible = task && task.client === client.name && (userId === undefined || task.userId === userId);
  if (!visible) {
    fail(response, 404, 'task not found');
    return;
  }
  const now = Date.now();
  sendJson(
    response,
    200,
    taskAnswer(task, () => resultUrl(context, taskId, now)),
  );
}

/**
 * The client's own balance, never the upstream account's: what its `maxSpend` has left (numbers
 * paid upstream count; cached, joined and top-up numbers do not), in money when a price is set.
 * A client without a limit reads `null`.
 */
function balanceOf(context: GatewayContext, client: GatewayClient): { balance: number | null } {
  if (client.maxSpend === undefined) return { balance: null };
  const numbers = Math.max(0, client.maxSpend - context.usage.of(client.name).paidUpstream);
  const price = context.pricePerNumber;
  return { balance: price === undefined ? numbers : Math.round(numbers * price * 10_000) / 10_000 };
}

function resultUrl(context: GatewayContext, taskId: string, now: number): string {
  return `${context.baseUrl()}${context.signer.sign(`/results/${taskId}.xlsx`, now + context.linkTtlMs)}`;
}

/** Like S3 behind the provider's links: no key, a signature and an expiry; 403 otherwise. */
function download(context: GatewayContext, response: ServerResponse, url: URL): void {
  const taskId = RESULT_PATH.exec(url.pathname)![1]!;
  const verdict = context.signer.verify(
    url.pathname,
    url.searchParams.get('expires'),
    url.searchParams.get('signature'),
    Date.now(),
  );
  const task = context.store.get(taskId);
  if (verdict !== 'ok' || task?.exportedAt === undefined) {
    denied(response, verdict === 'expired' ? 'Request has expired' : 'Access Denied');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  createReadStream(context.store.resultPath(taskId))
    .on('error', () => response.destroy())
    .pipe(response);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function fail(response: ServerResponse, status: number, error: string): void {
  sendJson(response, status, { error });
}
