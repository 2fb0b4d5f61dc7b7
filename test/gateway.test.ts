import { afterEach, describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Level } from 'level';
import { stringSublevel } from '../src/store/cache-folder.js';
import { ClientKeys } from '../src/gateway/client-keys.js';
import { type RunningGateway, startGateway } from '../src/gateway/gateway.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import {
  createTask,
  downloadRows,
  pollUntilExported,
  readTask,
  readWorkbook,
  type WireDialect,
  type WireTask,
} from './helpers/gateway-http.js';

const run = promisify(execFile);
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

const UPSTREAM_KEY = 'sk_upstream_secret_do_not_leak';
const ALICE = 'client-key-alice-0001';
const BOB = 'client-key-bob-00002';
const CAROL = 'client-key-carol-003';
const ADMIN = 'admin-key-00000001';

const tempDir = useTempDirs();
const { start } = useFastSimulators({ apiKey: UPSTREAM_KEY, failureShare: 0.05 });

interface Harness {
  sim: RunningSimulator;
  gateway: RunningGateway;
  logs: string[];
}

async function startHarness(
  options: { gatherMs?: number; upstreamApi?: 'legacy' | 'v1'; cacheDir?: string; linkTtlMs?: number } = {},
): Promise<Harness> {
  const sim = await start();
  const logs: string[] = [];
  const gateway = await startGateway({
    upstream: {
      apiUrl: sim.url,
      apiKey: UPSTREAM_KEY,
      userId: 'upstream-user',
      api: options.upstreamApi ?? 'v1',
      retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50 },
      poll: { floorMs: 20, ceilingMs: 200, noticeFloorMs: 50 },
    },
    clients: new ClientKeys({
      [ALICE]: { name: 'alice' },
      [BOB]: { name: 'bob' },
      [CAROL]: { name: 'carol', maxSpend: 600 },
    }),
    cacheDir: options.cacheDir ?? (await tempDir()),
    adminKey: ADMIN,
    gatherMs: options.gatherMs ?? 50,
    maxUploadBytes: 1024 * 1024,
    linkTtlMs: options.linkTtlMs,
    log: (event) => logs.push(JSON.stringify(event)),
  });
  harnesses.push(gateway);
  return { sim, gateway, logs };
}

const harnesses: RunningGateway[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((gateway) => gateway.close()));
});

async function runSession(h: Harness, key: string, dialect: WireDialect, lines: readonly string[]) {
  const created = await createTask(h.gateway.url, key, dialect, lines);
  expect(created.status).toBe(200);
  const body = (await created.json()) as { task_id: string; status: string; total: number };
  expect(body.task_id).toMatch(/^[0-9a-v]{20}$/);
  const polled = await pollUntilExported(h.gateway.url, key, dialect, body.task_id);
  return { created: body, ...polled, file: await downloadRows(polled.task.result_url!) };
}

/** Polls (v1) until the task reads `status`; a task that moves past it fails the test. */
async function waitForStatus(h: Harness, key: string, taskId: string, status: string): Promise<void> {
  for (;;) {
    const task = (await (await readTask(h.gateway.url, key, 'v1', taskId)).json()) as { status: string };
    if (task.status === status) return;
    if (task.status !== 'pending') throw new Error(`task ${taskId} went ${task.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function expectOracleAnswers(sim: RunningSimulator, numbers: readonly string[], rows: Map<string, string>) {
  const expected = new Map(
    numbers.filter((n) => sim.oracle.answer(n) !== 'fail').map((n) => [n, sim.oracle.answer(n)] as const),
  );
  expect(rows).toEqual(expected);
}

describe('wa-check serve: the provider API in front of the provider', () => {
  test('legacy curl session: create, poll, download; own numbers, oracle answers, legacy columns', async () => {
    const h = await startHarness();
    const numbers = swissNumbers(600);
    const lines = [...numbers, numbers[0]!, 'not a number', '+41 79 000 00 00', '41791000599'];
    const session = await runSession(h, ALICE, 'legacy', lines);
    expect(session.created.status).toBe('pending');
    expect(session.statuses[0]).toBe('pending');
    // Only forward, in the provider's order (a short step such as completed may fall between reads).
    const order = ['pending', 'processing', 'completed', 'exported'];
    const ranks = session.statuses.map((status) => order.indexOf(status));
    expect(ranks.every((rank, i) => rank >= 0 && (i === 0 || rank > ranks[i - 1]!))).toBe(true);
    expect(session.statuses.at(-1)).toBe('exported');
    expect(session.file.header).toEqual(['Number', 'whatsapp']);
    expectOracleAnswers(h.sim, numbers, session.file.rows);
    const failures = numbers.filter((n) => h.sim.oracle.answer(n) === 'fail').length;
    // 600 unique numbers (the repeat and the bare-digit line are the same numbers) + 2 bad lines.
    expect(session.task).toMatchObject({ total: 602, success: 600 - failures, failure: failures + 2 });
    expect(session.task.user_id).toBe('client-user');
    expect(h.sim.ledger.snapshot()).toMatchObject({ numbersCharged: 600, doubleCharged: {} });
  });

  test('v1 session: no completed, v1 columns, task_id as multipart and urlencoded; the cache answers a repeat', async () => {
    const h = await startHarness();
    const numbers = swissNumbers(550, 1000);
    const first = await runSession(h, BOB, 'v1', numbers);
    expect(first.statuses).not.toContain('completed');
    expect(first.statuses.at(-1)).toBe('exported');
    expect(first.file.header).toEqual(['number', 'activated']);
    expect(first.task.user_id).toBeUndefined();
    expectOracleAnswers(h.sim, numbers, first.file.rows);
    // Answered numbers asked again come from the cache: 10 rows, below any minimum, nothing paid.
    const answered = numbers.filter((n) => h.sim.oracle.answer(n) !== 'fail').slice(0, 10);
    const again = await runSession(h, BOB, 'v1', answered);
    expectOracleAnswers(h.sim, answered, again.file.rows);
    expect(h.sim.ledger.snapshot()).toMatchObject({ numbersCharged: 550, tasksCreated: 1 });
  });
});

describe('wa-check serve: with curl, as the provider documents it', () => {
  const curl = async (args: string[]): Promise<string> =>
    (await run('curl', ['-sS', '--fail-with-body', ...args])).stdout;

  test('legacy and v1 sessions with curl -F, --form and --data: create, poll, download', async () => {
    const h = await startHarness();
    const dir = await tempDir();
    const numbers = swissNumbers(500, 90_000);
    await writeFile(join(dir, 'numbers.txt'), `${numbers.join('\n')}\n`);
    const key = ['-H', `X-API-Key: ${ALICE}`];
    const legacy = JSON.parse(
      await curl([
        ...key,
        '-F',
        'user_id=client-user',
        '-F',
        `file=@${join(dir, 'numbers.txt')}`,
        `${h.gateway.url}/wa/api/simple/tasks`,
      ]),
    ) as { task_id: string; status: string };
    const v1 = JSON.parse(
      await curl([
        ...key,
        '-F',
        'task_type=ws',
        '-F',
        `file=@${join(dir, 'numbers.txt')}`,
        `${h.gateway.url}/v1/tasks`,
      ]),
    ) as { task_id: string };
    expect(legacy.status).toBe('pending');
    const legacyRead = async () =>
      JSON.parse(await curl([...key, `${h.gateway.url}/wa/api/simple/tasks/${legacy.task_id}?user_id=client-user`]));
    const v1Read = async (form: string) =>
      JSON.parse(await curl([...key, form, `task_id=${v1.task_id}`, `${h.gateway.url}/v1/gettasks`]));
    let legacyTask: WireTask;
    let v1Task: WireTask;
    for (let i = 0; ; i++) {
      legacyTask = await legacyRead();
      v1Task = await v1Read(i % 2 === 0 ? '--form' : '--data');
      if (legacyTask.status === 'exported' && v1Task.status === 'exported') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await curl(['-o', join(dir, 'legacy.xlsx'), legacyTask.result_url!]);
    await curl(['-o', join(dir, 'v1.xlsx'), v1Task.result_url!]);
    for (const [file, header] of [
      ['legacy.xlsx', ['Number', 'whatsapp']],
      ['v1.xlsx', ['number', 'activated']],
    ] as const) {
      const read = await readWorkbook(await readFile(join(dir, file)));
      expect(read.header).toEqual(header);
      expectOracleAnswers(h.sim, numbers, read.rows);
    }
    expect(h.sim.ledger.snapshot()).toMatchObject({ tasksCreated: 1, numbersCharged: 500 });
  });
});

describe('wa-check serve: pooling, dedupe and limits', () => {
  test('two clients with overlapping lists at once: each gets its own numbers; upstream pays the union once', async () => {
    const h = await startHarness();
    const aliceNumbers = swissNumbers(800, 0);
    // 400 shared with alice, 600 of bob's own: at or above the upstream minimum (500) whichever
    // client's numbers are gathered first, so the test does not hang on a leftover below it.
    const bobNumbers = swissNumbers(1000, 400);
    const [alice, bob] = await Promise.all([
      runSession(h, ALICE, 'legacy', aliceNumbers),
      runSession(h, BOB, 'v1', bobNumbers),
    ]);
    expectOracleAnswers(h.sim, aliceNumbers, alice.file.rows);
    expectOracleAnswers(h.sim, bobNumbers, bob.file.rows);
    const ledger = h.sim.ledger.snapshot();
    expect(ledger.doubleCharged).toEqual({});
    expect(ledger.numbersCharged).toBe(new Set([...aliceNumbers, ...bobNumbers]).size);
  });

  test('a list below the minimum order waits and is pooled with another client\u2019s, not padded or refused', async () => {
    const h = await startHarness({ gatherMs: 20 });
    const small = swissNumbers(120, 5000);
    const created = await createTask(h.gateway.url, ALICE, 'v1', small);
    expect(created.status).toBe(200);
    const smallTask = (await created.json()) as { task_id: string };
    // Alone it stays below ws's 500 minimum: nothing goes upstream, whatever the time.
    const alone = (await (await readTask(h.gateway.url, ALICE, 'v1', smallTask.task_id)).json()) as { status: string };
    expect(alone.status).toBe('pending');
    expect(h.sim.ledger.tasksCreated).toBe(0);
    const other = swissNumbers(400, 6000);
    const [smallDone, otherDone] = await Promise.all([
      pollUntilExported(h.gateway.url, ALICE, 'v1', smallTask.task_id),
      runSession(h, BOB, 'legacy', other),
    ]);
    expectOracleAnswers(h.sim, small, (await downloadRows(smallDone.task.result_url!)).rows);
    expectOracleAnswers(h.sim, other, otherDone.file.rows);
    expect(h.sim.ledger.snapshot()).toMatchObject({ tasksCreated: 1, numbersCharged: 520, doubleCharged: {} });
  });

  test('a client joining numbers already upstream for another is processing at once, and pays nothing', async () => {
    const h = await startHarness();
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    h.sim.hooks.beforeStatus = () => gate; // the upstream task cannot finish until the gate opens
    const numbers = swissNumbers(500, 80_000);
    const alice = (await (await createTask(h.gateway.url, ALICE, 'v1', numbers)).json()) as { task_id: string };
    await waitForStatus(h, ALICE, alice.task_id, 'processing');
    const bob = (await (await createTask(h.gateway.url, BOB, 'v1', numbers.slice(0, 10))).json()) as {
      task_id: string;
    };
    await waitForStatus(h, BOB, bob.task_id, 'processing');
    openGate();
    const done = await pollUntilExported(h.gateway.url, BOB, 'v1', bob.task_id);
    expectOracleAnswers(h.sim, numbers.slice(0, 10), (await downloadRows(done.task.result_url!)).rows);
    await pollUntilExported(h.gateway.url, ALICE, 'v1', alice.task_id);
    expect(h.sim.ledger.snapshot()).toMatchObject({ tasksCreated: 1, numbersCharged: 500 });
  });

  test('unknown or missing keys get 401 on every call; another client\u2019s task is 404', async () => {
    const h = await startHarness();
    expect((await createTask(h.gateway.url, 'not-a-client-key', 'legacy', swissNumbers(3))).status).toBe(401);
    expect((await createTask(h.gateway.url, UPSTREAM_KEY, 'v1', swissNumbers(3))).status).toBe(401);
    const created = (await (await createTask(h.gateway.url, ALICE, 'v1', swissNumbers(3))).json()) as {
      task_id: string;
    };
    expect((await readTask(h.gateway.url, 'nobody-at-all', 'v1', created.task_id)).status).toBe(401);
    expect((await readTask(h.gateway.url, BOB, 'v1', created.task_id)).status).toBe(404);
    const usage = await fetch(`${h.gateway.url}/__gateway/usage`, { headers: { 'x-api-key': ALICE } });
    expect(usage.status).toBe(401);
  });

  test('a client over its maxSpend gets 402, free; cached numbers do not count against it', async () => {
    const h = await startHarness();
    const paid = swissNumbers(550, 20_000);
    await runSession(h, ALICE, 'v1', paid); // alice fills the cache
    const answered = paid.filter((n) => h.sim.oracle.answer(n) !== 'fail');
    // carol may pay for 600: cached numbers are free, so this one passes and costs nothing.
    const cachedOnly = await runSession(h, CAROL, 'v1', answered);
    expectOracleAnswers(h.sim, answered, cachedOnly.file.rows);
    const tooMany = await createTask(h.gateway.url, CAROL, 'v1', swissNumbers(601, 30_000));
    expect(tooMany.status).toBe(402);
    expect(await tooMany.json()).toMatchObject({ error: expect.stringContaining('601') });
    expect(h.sim.ledger.numbersCharged).toBe(550);
    const usage = await fetch(`${h.gateway.url}/__gateway/usage`, { headers: { 'x-api-key': ADMIN } });
    expect(usage.status).toBe(200);
    const report = (await usage.json()) as { clients: Record<string, Record<string, number>> };
    expect(report.clients.carol).toMatchObject({ fromCache: answered.length, paidUpstream: 0, refused: 601 });
    expect(report.clients.alice).toMatchObject({ submitted: 550, paidUpstream: 550 });
  });

  test('an upload over the limit is 413; an unsupported product is 400; neither creates a task', async () => {
    const h = await startHarness();
    const huge = Array.from({ length: 90_000 }, (_, i) => `+4179${String(i).padStart(7, '0')}`);
    expect((await createTask(h.gateway.url, ALICE, 'legacy', huge)).status).toBe(413);
    const avatar = await createTask(h.gateway.url, ALICE, 'v1', swissNumbers(3), { task_type: 'ws_avatar' });
    expect(avatar.status).toBe(400);
    expect((await createTask(h.gateway.url, ALICE, 'legacy', swissNumbers(3), {})).status).toBe(400);
    expect(h.sim.ledger.tasksCreated).toBe(0);
  });

  test('the upstream key is in no answer, result link or log line', async () => {
    const h = await startHarness();
    const session = await runSession(h, ALICE, 'legacy', swissNumbers(500, 40_000));
    const seen = [JSON.stringify(session.created), JSON.stringify(session.task), session.task.result_url!, ...h.logs];
    expect(h.logs.some((line) => line.includes('"event":"request"'))).toBe(true);
    for (const text of seen) {
      expect(text).not.toContain(UPSTREAM_KEY);
      expect(text).not.toContain(ALICE);
    }
    expect(h.sim.ledger.keysSeenAtDownload).toBe(0);
  });
});

describe('wa-check serve: upstream trouble', () => {
  test('an upload whose answer is lost is never sent again: its numbers fail, for later clients too', async () => {
    const h = await startHarness();
    h.sim.faults.add({ on: 'create', kind: 'drop-after-create' });
    const numbers = swissNumbers(500, 50_000);
    const first = await runSession(h, ALICE, 'v1', numbers);
    expect(first.task).toMatchObject({ total: 500, success: 0, failure: 500 });
    expect(first.file.rows.size).toBe(0);
    // Bob asks for the same numbers: answering them would mean paying for them a second time.
    const again = await runSession(h, BOB, 'legacy', numbers);
    expect(again.task).toMatchObject({ total: 500, success: 0, failure: 500 });
    expect(h.sim.ledger.snapshot()).toMatchObject({ tasksCreated: 1, numbersCharged: 500, doubleCharged: {} });
    expect(h.logs.some((line) => line.includes('WA_CREATE_UNCONFIRMED'))).toBe(true);
  });

  test('an upstream task that ends failed gives failures, not answers, and the task still exports', async () => {
    const h = await startHarness();
    h.sim.faults.add({ on: 'create', kind: 'fail-task', message: 'provider gave up' });
    const session = await runSession(h, ALICE, 'v1', swissNumbers(500, 60_000));
    expect(session.task).toMatchObject({ total: 500, success: 0, failure: 500 });
    expect(session.file.rows.size).toBe(0);
  });
});

describe('wa-check serve: result links', () => {
  test('an expired link answers 403 as S3 does; a new status read gives a fresh one', async () => {
    const h = await startHarness({ linkTtlMs: 1 });
    const created = (await (await createTask(h.gateway.url, ALICE, 'v1', swissNumbers(500, 95_000))).json()) as {
      task_id: string;
    };
    const { task } = await pollUntilExported(h.gateway.url, ALICE, 'v1', created.task_id);
    await new Promise((resolve) => setTimeout(resolve, 20)); // past its 1 ms
    const expired = await fetch(task.result_url!);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
    const fresh = (await (await readTask(h.gateway.url, ALICE, 'v1', created.task_id)).json()) as WireTask;
    const expiresOf = (link: string) => Number(new URL(link).searchParams.get('expires'));
    expect(expiresOf(fresh.result_url!)).toBeGreaterThan(expiresOf(task.result_url!));
  });
});

describe('wa-check serve: restart', () => {
  test('a result link given out before a restart still downloads after it; tasks answer by the same id', async () => {
    const cacheDir = await tempDir();
    const h = await startHarness({ cacheDir });
    const numbers = swissNumbers(500, 70_000);
    const session = await runSession(h, ALICE, 'legacy', numbers);
    const port = Number(new URL(h.gateway.url).port);
    await h.gateway.close();
    const again = await startGateway({
      upstream: { apiUrl: h.sim.url, apiKey: UPSTREAM_KEY, userId: 'upstream-user', api: 'v1' },
      clients: new ClientKeys({ [ALICE]: { name: 'alice' } }),
      cacheDir,
      port,
    });
    harnesses.push(again);
    expectOracleAnswers(h.sim, numbers, (await downloadRows(session.task.result_url!)).rows);
    const read = await readTask(again.url, ALICE, 'legacy', session.created.task_id);
    expect(await read.json()).toMatchObject({ status: 'exported', total: 500 });
    // A link whose signature was tampered with is refused, as S3 does.
    const forged = session.task.result_url!.replace(/signature=[0-9a-f]/, 'signature=x');
    expect((await fetch(forged)).status).toBe(403);
    await again.close();
    // Exported: the file is the record of the answers, so numbers and outcomes left the database.
    const db = new Level<string, string>(cacheDir);
    const count = async (name: string) => (await stringSublevel(db, name).keys().all()).length;
    expect(await count('gateway-tasks')).toBe(1);
    expect(await count('gateway-task-numbers')).toBe(0);
    expect(await count('gateway-outcomes')).toBe(0);
    await db.close();
  });
});
