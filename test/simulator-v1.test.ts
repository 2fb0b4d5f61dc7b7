import { describe, expect, test } from 'vitest';
import { PRODUCT_SPECS, type Product } from '../src/api/products.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { createTask, rawCreate, sheetRows, swissNumbers } from './helpers/sim-http.js';
import { balanceOf, v1Create, v1CreateTask, v1Status, v1WaitOver } from './helpers/sim-http-v1.js';

const { start } = useFastSimulators();

const GO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

describe('POST /v1/tasks and POST /v1/gettasks', () => {
  test('create -> exported: the task object with amounts, user_id only when given', async () => {
    const s = await start();
    const numbers = swissNumbers(500);
    const created = await v1CreateTask(s, numbers);
    expect(created).toMatchObject({ status: 'pending', total: 0, success: 0, failure: 0 });
    expect(created).not.toHaveProperty('user_id');
    expect(created.task_id).toMatch(/^[0-9a-v]{20}$/);
    expect(created.created_at).toMatch(GO_TIMESTAMP);
    // 500 numbers at the default $0.0001 each.
    expect(created.estimated_amount).toEqual({ amount: '0.0500', currency: 'USD' });
    expect(created).not.toHaveProperty('actual_amount');

    const done = await v1WaitOver(s, created.task_id);
    expect(done).toMatchObject({ status: 'exported', total: 500, success: 500, failure: 0 });
    expect(done.actual_amount).toEqual({ amount: '0.0500', currency: 'USD' });
    expect(done.result_url).toMatch(new RegExp(`^${s.downloadUrl}/results/${created.task_id}\\.xlsx\\?`));
    expect(s.ledger.numbersCharged).toBe(500);

    const withUser = await v1CreateTask(s, swissNumbers(500, 1000), { userId: 'alice' });
    expect(withUser.user_id).toBe('alice');
  });

  test('task_id is read as multipart and as urlencoded; missing is 400, unknown is 404, both free', async () => {
    const s = await start();
    const task = await v1CreateTask(s, swissNumbers(500));
    for (const encoding of ['multipart', 'urlencoded'] as const) {
      const answer = await v1Status(s, task.task_id, encoding);
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { task_id: string }).task_id).toBe(task.task_id);
    }
    expect((await v1Status(s, undefined)).status).toBe(400);
    expect((await v1Status(s, undefined, 'urlencoded')).status).toBe(400);
    expect((await v1Status(s, 'cs9viu7i61pkfs4oavvg', 'urlencoded')).status).toBe(404);
    expect(s.ledger.statusReads).toBe(2);
    expect(s.ledger.snapshot().freeErrors).toEqual({ '400': 2, '404': 1 });
  });

  test('a v1 task is read through gettasks; the legacy path does not name it', async () => {
    const s = await start();
    const task = await v1CreateTask(s, swissNumbers(500), { userId: 'test' });
    const legacy = await fetch(`${s.url}/wa/api/simple/tasks/${task.task_id}?user_id=other`, {
      headers: { 'x-api-key': s.apiKey },
    });
    expect(legacy.status).toBe(404);
  });

  test('createStatus 202: creates answer 202 with the task, on both paths', async () => {
    const s = await start({ createStatus: 202 });
    const v1 = await v1Create(s, swissNumbers(500));
    expect(v1.status).toBe(202);
    expect(((await v1.json()) as { status: string }).status).toBe('pending');
    expect((await rawCreate(s, swissNumbers(3, 1000))).status).toBe(202);
    expect(s.ledger.tasksCreated).toBe(2);
  });

  test('fail-task: a v1 task ends failed with a message, a legacy one without', async () => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'fail-task', message: 'file could not be processed' });
    const task = await v1WaitOver(s, (await v1CreateTask(s, swissNumbers(500))).task_id);
    expect(task).toMatchObject({ status: 'failed', failure: 500, message: 'file could not be processed' });
    expect(task.actual_amount).toBeDefined();
  });
});

describe('products and their limits', () => {
  test.each([
    ['ws', 500],
    ['ws_active', 1000],
    ['ws_avatar', 500],
  ] as const)('%s: %i rows is the least, one fewer is 400 and free', async (product, minimum) => {
    const s = await start();
    const below = await v1Create(s, swissNumbers(minimum - 1), { taskType: product });
    expect(below.status).toBe(400);
    expect(((await below.json()) as { error: string }).error).toContain(`minimum of ${minimum}`);
    expect(s.ledger.numbersCharged).toBe(0);
    expect((await v1Create(s, swissNumbers(minimum), { taskType: product })).status).toBe(200);
    expect(s.ledger.numbersCharged).toBe(minimum);
    expect(PRODUCT_SPECS[product].minRows).toBe(minimum);
  });

  test('task_type missing or unknown is 400; the legacy minimum is configurable', async () => {
    const s = await start({ minRows: { legacy: 20 } });
    expect((await v1Create(s, swissNumbers(500), { taskType: null })).status).toBe(400);
    expect((await v1Create(s, swissNumbers(500), { taskType: 'ws_everything' })).status).toBe(400);
    const legacy = await rawCreate(s, swissNumbers(19));
    expect(legacy.status).toBe(400);
    expect(((await legacy.json()) as { error: string }).error).toContain('minimum of 20');
    expect((await rawCreate(s, swissNumbers(20))).status).toBe(200);
    expect(s.ledger.numbersCharged).toBe(20);
  });

  test.each(['ws', 'ws_active', 'ws_avatar'] as const)(
    '%s result file: number, activated and the product columns, from the oracle',
    async (product: Product) => {
      const s = await start({ failureShare: 0.1, minRows: { [product]: 1 } });
      const numbers = swissNumbers(300);
      const task = await v1WaitOver(s, (await v1CreateTask(s, numbers, { taskType: product })).task_id);
      const rows = await sheetRows(await (await fetch(task.result_url!)).arrayBuffer());
      const columns = PRODUCT_SPECS[product].extraColumns;
      expect(rows[0]).toEqual(['number', 'activated', ...columns]);
      const checked = numbers.filter((n) => s.oracle.answer(n) !== 'fail');
      expect(checked.length).toBeLessThan(290);
      expect(rows.slice(1).map((row) => [row[0], row[1]])).toEqual(checked.map((n) => [n, s.oracle.answer(n)]));
      for (const row of rows.slice(1)) {
        const extras = s.oracle.extras(product, row[0] as string);
        // Empty cells read back as undefined; numeric columns as numbers.
        const cells = columns.map((_, i) => (row[2 + i] === undefined ? '' : String(row[2 + i])));
        expect(cells).toEqual(columns.map((column) => extras[column]));
      }
    },
  );

  test('the oracle: extras are deterministic per seed, empty without WhatsApp, none for ws', async () => {
    const s = await start({ seed: 'x' });
    const other = await start({ seed: 'x' });
    const numbers = swissNumbers(400);
    for (const product of ['ws_active', 'ws_avatar'] as const) {
      expect(numbers.map((n) => s.oracle.extras(product, n))).toEqual(
        numbers.map((n) => other.oracle.extras(product, n)),
      );
      const values = new Set<string>();
      for (const n of numbers) {
        const extras = s.oracle.extras(product, n);
        expect(Object.keys(extras)).toEqual(PRODUCT_SPECS[product].extraColumns);
        const filled = Object.values(extras).every((value) => value !== '');
        expect(filled).toBe(s.oracle.answer(n) === 'yes');
        for (const value of Object.values(extras)) values.add(value);
      }
      expect(values.size).toBeGreaterThan(10);
    }
    expect(s.oracle.extras('ws', numbers[0]!)).toEqual({});
  });
});

describe('GET /v1/balance and the account', () => {
  test('the balance goes down by what each create costs, per kind, on both paths; errors cost nothing', async () => {
    const s = await start({
      minRows: { ws_active: 1 },
      account: { balance: 10, pricePerNumber: { legacy: 0.001, ws_active: 0.01 } },
    });
    expect(await balanceOf(s)).toEqual({ balance: 10 });
    await createTask(s, swissNumbers(100)); // 0.1
    await v1CreateTask(s, swissNumbers(50, 1000), { taskType: 'ws_active' }); // 0.5
    await v1Create(s, swissNumbers(10, 2000), { taskType: 'nope' });
    expect(await balanceOf(s)).toEqual({ balance: 9.4 });
    expect(s.ledger.balanceReads).toBe(2);
  });

  test('402 when the balance is short: nothing created, nothing charged', async () => {
    const s = await start({ account: { balance: 0.06 } });
    expect((await v1Create(s, swissNumbers(500))).status).toBe(200); // 0.05
    const refused = await v1Create(s, swissNumbers(500, 1000));
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: string }).error).toContain('insufficient balance');
    expect((await rawCreate(s, swissNumbers(200, 2000))).status).toBe(402); // legacy too: 0.02 > 0.01
    expect(s.ledger.tasksCreated).toBe(1);
    expect(s.ledger.numbersCharged).toBe(500);
    expect(s.ledger.snapshot().freeErrors).toEqual({ '402': 2 });
    expect((await balanceOf(s)).balance).toBeCloseTo(0.01, 10);
  });

  test('a daily limit: the detailed balance answer, and 402 past the limit', async () => {
    const s = await start({ account: { balance: 100, dailyLimit: 0.08, credit: 5 } });
    await v1CreateTask(s, swissNumbers(500));
    const balance = await balanceOf(s);
    expect(balance).toMatchObject({ status: 'OK', balance: 99.95, credit: 5, used_today: 0.05, daily_limit: 0.08 });
    const reset = Date.parse(balance.reset_time as string);
    expect(balance.reset_time).toMatch(GO_TIMESTAMP);
    expect(reset % 86_400_000).toBe(0);
    expect(reset).toBeGreaterThan(Date.now());
    const refused = await v1Create(s, swissNumbers(500, 1000));
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: string }).error).toContain('daily limit');
  });

  test('429 when asked too often, 502 on a fault, neither counted as a read', async () => {
    const s = await start({ balanceRateLimit: { requests: 1, windowMs: 60_000 } });
    const headers = { 'x-api-key': s.apiKey };
    expect((await fetch(`${s.url}/v1/balance`, { headers })).status).toBe(200);
    const limited = await fetch(`${s.url}/v1/balance`, { headers });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    // Other calls are not held back by the balance limit.
    expect((await v1Create(s, swissNumbers(500))).status).toBe(200);
    const other = await start();
    other.faults.add({ on: 'balance', kind: 'status', status: 502 });
    expect((await fetch(`${other.url}/v1/balance`, { headers: { 'x-api-key': other.apiKey } })).status).toBe(502);
    expect(s.ledger.balanceReads + other.ledger.balanceReads).toBe(1);
  });
});

test('the ledger counts charges per number across both APIs', async () => {
  const s = await start({ minRows: { ws: 1 } });
  const numbers = swissNumbers(3);
  await createTask(s, numbers);
  await v1CreateTask(s, numbers);
  expect(s.ledger.snapshot()).toMatchObject({
    tasksCreated: 2,
    numbersCharged: 6,
    doubleCharged: { '+41791000000': 2, '+41791000001': 2, '+41791000002': 2 },
  });
});
