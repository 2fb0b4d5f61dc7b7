import { afterEach, describe, expect, test } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WaClient } from '../src/api/client.js';
import { CreateUnconfirmedError, ErrorCodes, type WaError } from '../src/errors.js';
import type { RunningSimulator, SimulatorOptions } from '../src/simulator/index.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { VirtualClock } from './helpers/virtual-clock.js';
import { expectOracleAnswers, rejection } from './helpers/expectations.js';

const { start, close: closeSimulators } = useFastSimulators();

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the happy path', () => {
  test('createTask(), waitForTask(), collectResults() - answers match the oracle', async () => {
    const s = await start();
    const client = clientFor(s);
    const numbers = swissNumbers(1000);
    const created = await client.createTask(numbers);
    expect(created.status).toBe('pending');
    const progress: string[] = [];
    const task = await client.waitForTask(created.taskId, {
      onProgress: (t) => progress.push(t.status),
      expectedTotal: numbers.length,
    });
    expect(task.status).toBe('exported');
    expect(progress.at(-1)).toBe('exported');
    const result = await client.collectResults(task, numbers);
    expectOracleAnswers(s, result.answered, numbers);
    expect(result.unanswered).toEqual([]);
    expect(s.ledger.numbersCharged).toBe(1000);
    expect(s.ledger.keysSeenAtDownload).toBe(0);
  });

  test('createTask() - a large task is streamed whole', async () => {
    const s = await start({ numbersPerSecond: 1_000_000 });
    const numbers = swissNumbers(200_000);
    const task = await clientFor(s).createTask(numbers);
    expect(task.taskId).toMatch(/^[0-9a-v]{20}$/);
    expect(s.ledger.numbersCharged).toBe(200_000);
    expect(s.ledger.chargesFor('+41791199999')).toBe(1);
  });

  test('failures are unanswered, never invented', async () => {
    const s = await start({ failureShare: 0.3 });
    const client = clientFor(s);
    const numbers = swissNumbers(300);
    const task = await client.waitForTask((await client.createTask(numbers)).taskId);
    const result = await client.collectResults(task, numbers);
    const failed = numbers.filter((n) => s.oracle.answer(n) === 'fail');
    expect(failed.length).toBeGreaterThan(50);
    expect(result.unanswered.sort()).toEqual(failed.sort());
    expectOracleAnswers(s, result.answered, numbers);
  });
});

describe('quirky result files', () => {
  const cases: Array<[string, SimulatorOptions['quirks']]> = [
    ['lower-case header with activated', { header: ['number', 'activated'] }],
    ['upper-case header', { header: ['NUMBER', 'WhatsApp'] }],
    ['numeric cells', { numericCells: true }],
    ['numbers without +', { noPlus: true }],
    ['repeated rows and rows nobody asked for', { repeatedRows: 0.3, extraRows: 25 }],
    ['a .zip around the workbook', { zip: true, numericCells: true }],
  ];
  test.each(cases)('%s', async (_name, quirks) => {
    const s = await start({ quirks, failureShare: 0.05 });
    const client = clientFor(s);
    const numbers = swissNumbers(400);
    const task = await client.waitForTask((await client.createTask(numbers)).taskId);
    const result = await client.collectResults(task, numbers);
    expectOracleAnswers(s, result.answered, numbers);
    expect(result.unanswered.length).toBe(numbers.filter((n) => s.oracle.answer(n) === 'fail').length);
    if (quirks?.extraRows) expect(result.ignored).toBe(25);
    if (quirks?.repeatedRows) expect(result.repeated).toBeGreaterThan(50);
  });

  test('a file whose columns cannot be found is WA_RESULT_COLUMNS_NOT_FOUND', async () => {
    const s = await start({ quirks: { header: ['phone_id', 'state'] } });
    const client = clientFor(s);
    const numbers = swissNumbers(5);
    const task = await client.waitForTask((await client.createTask(numbers)).taskId);
    const error = await rejection(client.collectResults(task, numbers));
    expect(error.code).toBe(ErrorCodes.RESULT_COLUMNS_NOT_FOUND);
    expect(error.message).toContain('phone_id');
  });
});

describe('errors and retries', () => {
  test('400 is WA_BAD_REQUEST and is tried once', async () => {
    const s = await start();
    const error = await rejection(clientFor(s).createTask(['+41791000001', 'not-a-number']));
    expect(error).toMatchObject({ code: ErrorCodes.BAD_REQUEST, status: 400 });
    expect(s.ledger.snapshot().freeErrors).toEqual({ '400': 1 });
  });

  test.each([
    [401, ErrorCodes.UNAUTHORIZED],
    [402, ErrorCodes.INSUFFICIENT_BALANCE],
    [413, ErrorCodes.FILE_TOO_LARGE],
  ])('%i is %s and is never retried', async (status, code) => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'status', status, times: 5 });
    const error = await rejection(clientFor(s).createTask(swissNumbers(2)));
    expect(error).toMatchObject({ code, status });
    expect(s.ledger.snapshot().freeErrors).toEqual({ [String(status)]: 1 });
  });

  test('a wrong key is WA_UNAUTHORIZED, and no message carries the key', async () => {
    const s = await start();
    const secret = 'sk_live_do_not_print_me';
    const error = await rejection(
      new WaClient({ apiUrl: s.url, apiKey: secret, userId: 'test' }).createTask(swissNumbers(1)),
    );
    expect(error.code).toBe(ErrorCodes.UNAUTHORIZED);
    expect(JSON.stringify({ message: error.message, body: error.bodyExcerpt, stack: error.stack })).not.toContain(
      secret,
    );
  });

  test('a file over the provider limit is WA_FILE_TOO_LARGE', async () => {
    const s = await start({ maxFileBytes: 500 });
    expect((await rejection(clientFor(s).createTask(swissNumbers(100)))).code).toBe(ErrorCodes.FILE_TOO_LARGE);
  });

  test('an unknown task is WA_TASK_NOT_FOUND', async () => {
    const s = await start();
    expect((await rejection(clientFor(s).getTask('cs9viu7i61pkfs4oavvg'))).code).toBe(ErrorCodes.TASK_NOT_FOUND);
  });

  test('creates are retried on 500 and pay once', async () => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'status', status: 500, times: 2 });
    const task = await clientFor(s).createTask(swissNumbers(10));
    expect(task.status).toBe('pending');
    expect(s.ledger.tasksCreated).toBe(1);
    expect(s.ledger.snapshot().freeErrors).toEqual({ '500': 2 });
  });

  test('429 honours Retry-After', async () => {
    const s = await start({ rateLimit: { requests: 1, windowMs: 1000 } });
    const client = clientFor(s);
    await client.createTask(swissNumbers(1));
    const started = Date.now();
    await client.createTask(swissNumbers(1, 10));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(s.ledger.tasksCreated).toBe(2);
    expect(s.ledger.snapshot().freeErrors['429']).toBeGreaterThanOrEqual(1);
  });

  test('a 429 that outlasts the retries is WA_RATE_LIMITED', async () => {
    const s = await start();
    s.faults.add({ on: 'status', kind: 'status', status: 429, times: 10 });
    const error = await rejection(clientFor(s).getTask('cs9viu7i61pkfs4oavvg'));
    expect(error.code).toBe(ErrorCodes.RATE_LIMITED);
    expect(s.ledger.snapshot().freeErrors['429']).toBe(4);
  });

  test('status reads are retried on 5xx, then give WA_SERVER_ERROR', async () => {
    const s = await start();
    const client = clientFor(s);
    const task = await client.createTask(swissNumbers(3));
    s.faults.add({ on: 'status', kind: 'status', status: 503, times: 2 });
    expect((await client.getTask(task.taskId)).taskId).toBe(task.taskId);
    s.faults.add({ on: 'status', kind: 'status', status: 502, times: 4 });
    const error = await rejection(client.getTask(task.taskId));
    expect(error).toMatchObject({ code: ErrorCodes.SERVER_ERROR, status: 502 });
  });

  test('a status read that hangs is WA_TIMEOUT after its retries', async () => {
    const s = await start();
    const client = clientFor(s, { timeoutMs: 200, retry: { retries: 1, minDelayMs: 10, maxDelayMs: 10 } });
    const task = await client.createTask(swissNumbers(3));
    s.faults.add({ on: 'status', kind: 'hang', times: 2 });
    expect((await rejection(client.getTask(task.taskId))).code).toBe(ErrorCodes.TIMEOUT);
    s.faults.add({ on: 'status', kind: 'hang' });
    expect((await client.getTask(task.taskId)).taskId).toBe(task.taskId);
  });

  test('an HTML page with 200 is WA_BAD_RESPONSE', async () => {
    const s = await start();
    const client = clientFor(s);
    const task = await client.createTask(swissNumbers(3));
    s.faults.add({ on: 'status', kind: 'html' });
    const error = await rejection(client.getTask(task.taskId));
    expect(error.code).toBe(ErrorCodes.BAD_RESPONSE);
    expect(error.bodyExcerpt).toContain('<html>');
  });

  test('a refused connection is retried, then WA_NETWORK, and nothing is paid', async () => {
    const s = await start();
    const url = s.url;
    await s.close();
    const client = new WaClient({
      apiUrl: url,
      apiKey: 'k',
      userId: 'u',
      retry: { retries: 2, minDelayMs: 5, maxDelayMs: 5 },
    });
    const error = await rejection(client.createTask(swissNumbers(2)));
    expect(error.code).toBe(ErrorCodes.NETWORK);
  });

  test('a failed task is WA_TASK_FAILED', async () => {
    const s = await start();
    const client = clientFor(s);
    s.faults.add({ on: 'create', kind: 'fail-task' });
    const task = await client.createTask(swissNumbers(3));
    expect((await rejection(client.waitForTask(task.taskId))).code).toBe(ErrorCodes.TASK_FAILED);
  });

  test('an aborted wait is WA_ABORTED', async () => {
    const s = await start({ numbersPerSecond: 10 });
    const client = clientFor(s);
    const task = await client.createTask(swissNumbers(100));
    const error = await rejection(client.waitForTask(task.taskId, { signal: AbortSignal.timeout(100) }));
    expect(error.code).toBe(ErrorCodes.ABORTED);
  });
});

describe('a create whose answer is lost is never retried', () => {
  test.each([
    ['the connection drops after the task was created', { on: 'create', kind: 'drop-after-create' }, 1],
    [
      'a gateway answers 502 after the task was created',
      { on: 'create', kind: 'gateway-after-create', status: 502 },
      1,
    ],
    [
      'a gateway answers 504 after the task was created',
      { on: 'create', kind: 'gateway-after-create', status: 504 },
      1,
    ],
    ['a 200 comes back as an HTML page', { on: 'create', kind: 'html' }, 1],
  ] as const)('%s: WA_CREATE_UNCONFIRMED with the numbers, charged once', async (_name, fault, charged) => {
    const s = await start();
    s.faults.add(fault);
    const numbers = swissNumbers(7);
    const error = await rejection(clientFor(s).createTask(numbers));
    expect(error).toBeInstanceOf(CreateUnconfirmedError);
    expect(error.code).toBe(ErrorCodes.CREATE_UNCONFIRMED);
    expect((error as CreateUnconfirmedError).numbers).toEqual(numbers);
    expect(s.ledger.tasksCreated).toBe(charged);
    expect(s.ledger.doubleCharged()).toEqual({});
  });

  test('a create that times out after it was sent', async () => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'hang' });
    const error = await rejection(clientFor(s, { timeoutMs: 200 }).createTask(swissNumbers(3)));
    expect(error.code).toBe(ErrorCodes.CREATE_UNCONFIRMED);
    expect((error.cause as WaError).code).toBe(ErrorCodes.TIMEOUT);
    expect(s.ledger.snapshot().freeErrors).toEqual({});
  });
});

describe('downloads', () => {
  async function exportedTask(options: SimulatorOptions = {}, client?: (s: RunningSimulator) => WaClient) {
    const s = await start(options);
    const c = client ? client(s) : clientFor(s);
    const numbers = swissNumbers(500);
    const task = await c.waitForTask((await c.createTask(numbers)).taskId);
    return { s, client: c, numbers, task };
  }

  test('a download cut short is retried', async () => {
    const { s, client, numbers, task } = await exportedTask();
    s.faults.add({ on: 'download', kind: 'cut' });
    const result = await client.collectResults(task, numbers);
    expectOracleAnswers(s, result.answered, numbers);
    expect(s.ledger.downloads).toBe(2);
  });

  test('an expired link is WA_LINK_EXPIRED, and collectResults() gets a fresh one', async () => {
    const { s, client, numbers, task } = await exportedTask({ linkTtlMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const records = client.downloadResults(task.resultUrl!);
    expect((await rejection(records.next())).code).toBe(ErrorCodes.LINK_EXPIRED);
    const reads = s.ledger.statusReads;
    const result = await client.collectResults(task, numbers);
    expect(result.answered.size).toBe(numbers.length);
    expect(s.ledger.statusReads).toBe(reads + 1);
  });

  test('caps: bytes on the wire, rows, unzipped bytes', async () => {
    const small =
      (limits: { maxDownloadBytes?: number; maxRows?: number; maxUnzippedBytes?: number }) => (s: RunningSimulator) =>
        clientFor(s, { limits });
    let run = await exportedTask({}, small({ maxDownloadBytes: 2000 }));
    expect((await rejection(run.client.collectResults(run.task, run.numbers))).code).toBe(ErrorCodes.RESULT_TOO_LARGE);
    await closeSimulators();
    run = await exportedTask({}, small({ maxRows: 100 }));
    expect((await rejection(run.client.collectResults(run.task, run.numbers))).code).toBe(ErrorCodes.RESULT_TOO_LARGE);
    await closeSimulators();
    run = await exportedTask({ quirks: { zip: true } }, small({ maxUnzippedBytes: 5000 }));
    expect((await rejection(run.client.collectResults(run.task, run.numbers))).code).toBe(ErrorCodes.RESULT_TOO_LARGE);
  });

  test('an HTML page instead of the file is WA_BAD_RESPONSE', async () => {
    const { s, client, numbers, task } = await exportedTask();
    s.faults.add({ on: 'download', kind: 'html' });
    expect((await rejection(client.collectResults(task, numbers))).code).toBe(ErrorCodes.BAD_RESPONSE);
  });

  test('redirects are followed by hand, without the key even on the API host, and each hop is checked', async () => {
    const { s, client, numbers, task } = await exportedTask();
    const seen: IncomingHttpHeaders[] = [];
    let target = task.resultUrl!;
    const redirector = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(302, { location: target });
      response.end();
    });
    servers.push(redirector);
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const redirectUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/r`;
    const result = await client.collectResults({ ...task, resultUrl: redirectUrl }, numbers);
    expect(result.answered.size).toBe(numbers.length);
    expect(seen).toHaveLength(1);
    expect(seen[0]!['x-api-key']).toBeUndefined();
    expect(s.ledger.keysSeenAtDownload).toBe(0);

    target = 'http://example.com/results.xlsx';
    expect((await rejection(client.collectResults({ ...task, resultUrl: redirectUrl }, numbers))).code).toBe(
      ErrorCodes.INSECURE_URL,
    );
  });
});

describe('security of the configuration', () => {
  test('https is required except on loopback', () => {
    expect(() => new WaClient({ apiUrl: 'http://api.example.com', apiKey: 'k', userId: 'u' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INSECURE_URL }),
    );
    for (const apiUrl of ['https://api.example.com', 'http://localhost:1', 'http://127.0.0.5:1', 'http://[::1]:1']) {
      expect(() => new WaClient({ apiUrl, apiKey: 'k', userId: 'u' })).not.toThrow();
    }
  });

  test('a client never shows its key when printed', async () => {
    const { inspect } = await import('node:util');
    const client = new WaClient({ apiKey: 'sk_secret_value', userId: 'u' });
    expect(JSON.stringify(client)).not.toContain('sk_secret_value');
    expect(inspect(client, { depth: 5, showHidden: true })).not.toContain('sk_secret_value');
  });

  test('options are checked eagerly', () => {
    expect(() => new WaClient({ apiKey: '', userId: 'u' })).toThrow(/apiKey/);
    expect(() => new WaClient({ apiKey: 'k', userId: 'u', timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});

test('waitForTask() - a task processing for a minute is seen through with at most 8 status reads', async () => {
  // The provider's own shape (12 numbers/s, 1 s queue, 2 s export) and the default polling, in
  // virtual time: exact, instant, on any machine.
  const clock = new VirtualClock();
  const s = await start({ numbersPerSecond: 12, queueDelayMs: 1000, exportDelayMs: 2000, clock: clock.now });
  const client = clientFor(s, { poll: {}, clock });
  const numbers = swissNumbers(720);
  let exportAt = 0;
  s.hooks.afterCreate = () => {
    exportAt = clock.now() + 1000 + 60_000 + 2000;
  };
  let seenAt = 0;
  const created = await client.createTask(numbers);
  const task = await client.waitForTask(created.taskId, {
    expectedTotal: numbers.length,
    onProgress: (t) => {
      if (t.status === 'exported') seenAt = clock.now();
    },
  });
  expect(task.status).toBe('exported');
  expect(s.ledger.statusReads).toBeLessThanOrEqual(8);
  // Noticed within max(notice floor 5 s, 10% of the processing time), never before it happened.
  expect(seenAt - exportAt).toBeGreaterThanOrEqual(0);
  expect(seenAt - exportAt).toBeLessThanOrEqual(6000);
});

test('waitForTask() - a long export, learned from a first task, costs the next task fewer status reads', async () => {
  // 400 numbers at 400/s (1 s of processing) and a 3 s export: far longer than the notice
  // window (250 ms), as a 2-minute export is next to a small task's. In virtual time.
  const clock = new VirtualClock();
  const s = await start({ numbersPerSecond: 400, queueDelayMs: 50, exportDelayMs: 3000, clock: clock.now });
  const client = clientFor(s, { poll: { floorMs: 50, ceilingMs: 6000, noticeFloorMs: 250 }, clock });
  const readsFor = async (numbers: string[]) => {
    const before = s.ledger.statusReads;
    const created = await client.createTask(numbers);
    await client.waitForTask(created.taskId, { expectedTotal: numbers.length });
    return s.ledger.statusReads - before;
  };
  const first = await readsFor(swissNumbers(400));
  const second = await readsFor(swissNumbers(400, 1000));
  expect(first).toBeGreaterThanOrEqual(10); // growing reads through the export
  // The learned rate alone saves ~3 reads; the learned export most of the rest.
  expect(second).toBeLessThanOrEqual(first - 8);
});
