import { describe, expect, test } from 'vitest';
import { createConnection } from 'node:net';
import type { SimulatorOptions } from '../src/simulator/index.js';
import { taskIdSeconds } from '../src/simulator/provider-format.js';
import { startFastSimulator, useFastSimulators } from './helpers/fast-sim.js';
import {
  createTask,
  rawCreate,
  rawStatus,
  sheetRows,
  status,
  swissNumbers,
  uploadForm,
  waitExported,
} from './helpers/sim-http.js';
import { VirtualClock } from './helpers/virtual-clock.js';
import { readZipDirectory } from '../src/zip/zip-reader.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { start, close: closeSimulators } = useFastSimulators();

const GO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

async function download(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers });
}

describe('lifecycle', () => {
  test('create -> pending -> processing -> completed -> exported, with the provider counters', async () => {
    // In virtual time: every status is seen, however slow the machine.
    const clock = new VirtualClock();
    const s = await start({ numbersPerSecond: 400, queueDelayMs: 150, exportDelayMs: 300, clock: clock.now });
    const numbers = swissNumbers(200);
    const created = await createTask(s, numbers);
    expect(created).toMatchObject({ user_id: 'test', status: 'pending', total: 0, success: 0, failure: 0 });
    expect(created.task_id).toMatch(/^[0-9a-v]{20}$/);
    expect(taskIdSeconds(created.task_id)).toBe(Math.floor(clock.now() / 1000));
    expect(created.created_at).toMatch(GO_TIMESTAMP);
    expect(created.updated_at).toBe(created.created_at);

    const seen = new Map<string, { success: number; total: number; updated_at: string }>();
    const successes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const task = await status(s, created.task_id);
      if (!seen.has(task.status)) seen.set(task.status, task);
      if (task.status === 'processing') successes.push(task.success);
      if (task.status === 'exported') break;
      await clock.sleep(25);
    }
    expect([...seen.keys()]).toEqual(['pending', 'processing', 'completed', 'exported']);
    expect(seen.get('processing')!.total).toBe(200);
    expect(successes.at(-1)!).toBeGreaterThan(successes[0]!);
    expect(seen.get('completed')).toMatchObject({ total: 200, success: 200 });
    expect(seen.get('processing')!.updated_at).not.toBe(created.updated_at);
    expect(seen.get('exported')!.updated_at).not.toBe(seen.get('completed')!.updated_at);
    const exported = await status(s, created.task_id);
    expect(exported.result_url).toMatch(new RegExp(`^${s.downloadUrl}/results/${created.task_id}\\.xlsx\\?`));
  });

  test('tasks beyond the slots of a key wait in pending', async () => {
    const clock = new VirtualClock();
    const s = await start({ numbersPerSecond: 100, slotsPerKey: 1, clock: clock.now });
    const first = await createTask(s, swissNumbers(50));
    const second = await createTask(s, swissNumbers(50, 100));
    await clock.sleep(150);
    expect((await status(s, first.task_id)).status).toBe('processing');
    expect((await status(s, second.task_id)).status).toBe('pending');
    await waitExported(s, second.task_id, clock);
    expect((await status(s, first.task_id)).status).toBe('exported');
  });

  test('accepts bare digits and CRLF lines as the provider does', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/wa/api/simple/tasks`, {
      method: 'POST',
      headers: { 'x-api-key': s.apiKey },
      body: uploadForm('test', '41791000001\r\n+41791000002\r\n\r\n'),
    });
    expect(response.status).toBe(200);
    expect(s.ledger.chargesFor('+41791000001')).toBe(1);
    expect(s.ledger.numbersCharged).toBe(2);
  });
});

describe('result file', () => {
  test('holds one row per checked number, answered by the oracle; failures are counted, not written', async () => {
    const s = await start({ failureShare: 0.2, yesShare: 0.5 });
    const numbers = swissNumbers(300);
    const task = await waitExported(s, (await createTask(s, numbers)).task_id);
    const expectedFailures = numbers.filter((number) => s.oracle.answer(number) === 'fail');
    expect(expectedFailures.length).toBeGreaterThan(20);
    expect(task.failure).toBe(expectedFailures.length);
    expect(task.success).toBe(300 - expectedFailures.length);

    const response = await download(task.result_url!);
    expect(response.status).toBe(200);
    const rows = await sheetRows(await response.arrayBuffer());
    expect(rows[0]).toEqual(['Number', 'whatsapp']);
    const expected = numbers
      .filter((number) => s.oracle.answer(number) !== 'fail')
      .map((number) => [number, s.oracle.answer(number)]);
    expect(rows.slice(1)).toEqual(expected);
    expect(new Set(rows.slice(1).map((row) => row[1]))).toEqual(new Set(['yes', 'no']));
  });

  test('the oracle is deterministic per seed and follows the yes share', async () => {
    const s = await start({ seed: 'a', yesShare: 0.3 });
    const other = await startFastSimulator({ seed: 'a', yesShare: 0.3 });
    const numbers = swissNumbers(2000);
    try {
      expect(numbers.map((n) => s.oracle.answer(n))).toEqual(numbers.map((n) => other.oracle.answer(n)));
      const yes = numbers.filter((n) => s.oracle.answer(n) === 'yes').length;
      expect(yes / numbers.length).toBeGreaterThan(0.25);
      expect(yes / numbers.length).toBeLessThan(0.35);
    } finally {
      await other.close();
    }
  });

  test('links expire, reject a wrong signature, and need no key', async () => {
    const clock = new VirtualClock();
    const s = await start({ linkTtlMs: 300, clock: clock.now });
    const task = await waitExported(s, (await createTask(s, swissNumbers(5))).task_id, clock);
    expect((await download(task.result_url!)).status).toBe(200);
    const tampered = task.result_url!.replace(
      /signature=([0-9a-f])/,
      (_, c: string) => `signature=${c === '0' ? '1' : '0'}`,
    );
    expect((await download(tampered)).status).toBe(403);
    await clock.sleep(400);
    const expired = await download(task.result_url!);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
    const fresh = await status(s, task.task_id);
    expect((await download(fresh.result_url!)).status).toBe(200);
    expect(s.ledger.keysSeenAtDownload).toBe(0);
  });

  test('the download origin counts any key sent to it', async () => {
    const s = await start();
    const task = await waitExported(s, (await createTask(s, swissNumbers(5))).task_id);
    await download(task.result_url!, { 'x-api-key': s.apiKey });
    expect(s.ledger.keysSeenAtDownload).toBe(1);
  });
});

describe('errors are answered with a JSON body and never charged', () => {
  test('400: missing user_id, missing file, empty file, a line that is not a number', async () => {
    const s = await start();
    const post = (form: FormData) =>
      fetch(`${s.url}/wa/api/simple/tasks`, { method: 'POST', headers: { 'x-api-key': s.apiKey }, body: form });
    const answers = [
      await post(uploadForm(undefined, '+41791000001\n')),
      await post(uploadForm('test', undefined)),
      await post(uploadForm('test', '\n\n')),
      await post(uploadForm('test', '+41791000001\nnot a number\n')),
      await fetch(`${s.url}/wa/api/simple/tasks`, {
        method: 'POST',
        headers: { 'x-api-key': s.apiKey },
        body: 'plain',
      }),
      await rawStatus(s, 'cs9viu7i61pkfs4oavvg', { userId: '' }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(await answer.json()).toHaveProperty('error');
    }
    expect(s.ledger.numbersCharged).toBe(0);
    expect(s.ledger.snapshot().freeErrors).toEqual({ '400': 6 });
  });

  test('401: a missing or wrong key', async () => {
    const s = await start();
    expect((await rawCreate(s, swissNumbers(1), { key: null })).status).toBe(401);
    expect((await rawCreate(s, swissNumbers(1), { key: 'wrong' })).status).toBe(401);
    const task = await createTask(s, swissNumbers(1));
    expect((await rawStatus(s, task.task_id, { key: 'wrong' })).status).toBe(401);
    expect(s.ledger.numbersCharged).toBe(1);
    expect(s.ledger.statusReads).toBe(0);
    expect(s.ledger.snapshot().freeErrors).toEqual({ '401': 3 });
  });

  test("404: an unknown task or another user's", async () => {
    const s = await start();
    const task = await createTask(s, swissNumbers(1), 'alice');
    expect((await rawStatus(s, task.task_id, { userId: 'bob' })).status).toBe(404);
    expect((await rawStatus(s, 'cs9viu7i61pkfs4oavvg', { userId: 'alice' })).status).toBe(404);
    expect((await rawStatus(s, task.task_id, { userId: 'alice' })).status).toBe(200);
    expect(s.ledger.statusReads).toBe(1);
  });

  test('413: a file over the size limit', async () => {
    const s = await start({ maxFileBytes: 1000 });
    const answer = await rawCreate(s, swissNumbers(200));
    expect(answer.status).toBe(413);
    expect(s.ledger.numbersCharged).toBe(0);
    expect((await rawCreate(s, swissNumbers(10))).status).toBe(200);
  });

  test('429 with Retry-After above the request rate', async () => {
    const s = await start({ rateLimit: { requests: 3, windowMs: 60_000 } });
    const codes: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const answer = await rawCreate(s, swissNumbers(1, i));
      codes.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
    }
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(59);
    expect(s.ledger.tasksCreated).toBe(3);
    expect(s.ledger.snapshot().freeErrors).toEqual({ '429': 2 });
  });

  test('500 at the configured rate, doing nothing', async () => {
    const s = await start({ serverErrorRate: 1 });
    const answer = await rawCreate(s, swissNumbers(3));
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ error: 'internal error' });
    expect(s.ledger.tasksCreated).toBe(0);
  });
});

describe('faults on request', () => {
  test('drop-after-create: the task is charged, the client hears nothing', async () => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'drop-after-create' });
    await expect(rawCreate(s, swissNumbers(4))).rejects.toThrow();
    expect(s.ledger.tasksCreated).toBe(1);
    expect(s.ledger.numbersCharged).toBe(4);
    expect((await rawCreate(s, swissNumbers(1, 50))).status).toBe(200);
  });

  test('gateway-after-create: charged, answered 502', async () => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'gateway-after-create', status: 504 });
    expect((await rawCreate(s, swissNumbers(2))).status).toBe(504);
    expect(s.ledger.numbersCharged).toBe(2);
  });

  test('delay, status and html on status reads', async () => {
    const s = await start();
    const task = await createTask(s, swissNumbers(2));
    s.faults.add({ on: 'status', kind: 'delay', delayMs: 300 });
    const started = Date.now();
    expect((await rawStatus(s, task.task_id)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    s.faults.add({ on: 'status', kind: 'status', status: 503 });
    expect((await rawStatus(s, task.task_id)).status).toBe(503);
    s.faults.add({ on: 'status', kind: 'html' });
    const html = await rawStatus(s, task.task_id);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect((await rawStatus(s, task.task_id)).status).toBe(200);
  });

  test('hang: no answer until the client gives up', async () => {
    const s = await start();
    s.faults.add({ on: 'status', kind: 'hang' });
    await expect(
      fetch(`${s.url}/wa/api/simple/tasks/x?user_id=test`, {
        headers: { 'x-api-key': s.apiKey },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
  });

  test('cut: a download stops short of its announced length', async () => {
    const s = await start();
    const task = await waitExported(s, (await createTask(s, swissNumbers(500))).task_id);
    s.faults.add({ on: 'download', kind: 'cut' });
    const response = await download(task.result_url!);
    await expect(response.arrayBuffer()).rejects.toThrow();
    expect((await download(task.result_url!)).status).toBe(200);
  });

  test('fail-task: the task ends in status failed', async () => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'fail-task' });
    const task = await waitExported(s, (await createTask(s, swissNumbers(3))).task_id);
    expect(task).toMatchObject({ status: 'failed', failure: 3 });
  });

  test('a half-sent request does not create a task', async () => {
    const s = await start();
    const { port, hostname } = new URL(s.url);
    await new Promise<void>((resolve) => {
      const socket = createConnection({ port: Number(port), host: hostname }, () => {
        socket.write(
          `POST /wa/api/simple/tasks HTTP/1.1\r\nHost: x\r\nX-API-Key: ${s.apiKey}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000\r\n\r\n--b\r\n`,
        );
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.ledger.tasksCreated).toBe(0);
  });
});

describe('quirks of real result files', () => {
  async function rowsWith(options: SimulatorOptions, numbers: readonly string[]) {
    const s = await start(options);
    const task = await waitExported(s, (await createTask(s, numbers)).task_id);
    const bytes = Buffer.from(await (await download(task.result_url!)).arrayBuffer());
    return { s, task, bytes };
  }

  test('header spelling and numbers as numeric cells or without +', async () => {
    const numbers = swissNumbers(3);
    const { bytes } = await rowsWith({ quirks: { header: ['number', 'activated'], numericCells: true } }, numbers);
    const rows = await sheetRows(bytes);
    expect(rows[0]).toEqual(['number', 'activated']);
    expect(rows.slice(1).map((row) => row[0])).toEqual(numbers.map((n) => Number(n.slice(1))));
    await closeSimulators();
    const plain = await rowsWith({ quirks: { noPlus: true } }, numbers);
    expect((await sheetRows(plain.bytes)).slice(1).map((row) => row[0])).toEqual(numbers.map((n) => n.slice(1)));
  });

  test('repeated rows, rows nobody asked for, and drifting counters', async () => {
    const numbers = swissNumbers(200);
    const { task, bytes } = await rowsWith({ quirks: { repeatedRows: 0.2, extraRows: 7, counterDrift: 10 } }, numbers);
    const rows = (await sheetRows(bytes)).slice(1);
    const submitted = new Set(numbers);
    const extra = rows.filter((row) => !submitted.has(row[0] as string));
    expect(extra).toHaveLength(7);
    expect(rows.length - 7).toBeGreaterThan(220);
    expect(task.success).toBe(210);
    expect(task.total).toBe(200);
  });

  test('a .zip around the workbook', async () => {
    const { task, bytes } = await rowsWith({ quirks: { zip: true } }, swissNumbers(3));
    expect(task.result_url).toMatch(/\.zip\?/);
    const folder = await mkdtemp(join(tmpdir(), 'sim-zip-'));
    await writeFile(join(folder, 'r.zip'), bytes);
    const entries = await readZipDirectory(join(folder, 'r.zip'));
    expect(entries?.map((entry) => entry.name)).toEqual([`${task.task_id}.xlsx`]);
  });
});

test('the ledger is served over HTTP at the admin path', async () => {
  const s = await start();
  const task = await createTask(s, swissNumbers(4));
  await status(s, task.task_id);
  await rawCreate(s, swissNumbers(1), { key: 'wrong' });
  const ledger = await (await fetch(`${s.url}/__admin/ledger`)).json();
  expect(ledger).toEqual({
    tasksCreated: 1,
    numbersCharged: 4,
    doubleCharged: {},
    statusReads: 1,
    downloads: 0,
    freeErrors: { '401': 1 },
    keysSeenAtDownload: 0,
  });
  await createTask(s, swissNumbers(2));
  expect(s.ledger.doubleCharged()).toEqual({ '+41791000000': 2, '+41791000001': 2 });
});
