import { afterEach, describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WaError } from '../src/errors.js';
import { ClientKeys } from '../src/gateway/client-keys.js';
import { type GatewayOptions, type RunningGateway, startGateway } from '../src/gateway/gateway.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { createTask, pollUntilExported, readTask } from './helpers/gateway-http.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

const UPSTREAM_KEY = 'sk_upstream_secret_limits';
const ALICE = 'client-key-alice-0001';
const BOB = 'client-key-bob-00002';
const CAROL = 'client-key-carol-003';

const tempDir = useTempDirs();
const { start } = useFastSimulators({ apiKey: UPSTREAM_KEY });
const running: RunningGateway[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
});

async function startWith(options: Partial<GatewayOptions> = {}) {
  const sim = await start();
  const gateway = await startGateway({
    upstream: { apiUrl: sim.url, apiKey: UPSTREAM_KEY, api: 'v1', poll: { floorMs: 20, ceilingMs: 200 } },
    clients: new ClientKeys({
      [ALICE]: { name: 'alice', rate: { requests: 3, windowMs: 60_000 } },
      [BOB]: { name: 'bob' },
      [CAROL]: { name: 'carol', maxSpend: 600 },
    }),
    cacheDir: await tempDir(),
    gatherMs: 20,
    maxUploadBytes: 64 * 1024,
    ...options,
  });
  running.push(gateway);
  return { sim, gateway };
}

const balance = (gateway: RunningGateway, key?: string) =>
  fetch(`${gateway.url}/v1/balance`, { headers: key ? { 'x-api-key': key } : {} });

describe('wa-check serve: request limits per client', () => {
  test('past its rate a client gets 429 with Retry-After on every call, both dialects; others are not slowed', async () => {
    let now = Date.UTC(2026, 10, 30, 12, 0, 0);
    const { gateway, sim } = await startWith({ now: () => now, defaultRate: { requests: 100, windowMs: 1000 } });
    const created = await createTask(gateway.url, ALICE, 'v1', swissNumbers(3));
    expect(created.status).toBe(200);
    const { task_id } = (await created.json()) as { task_id: string };
    expect((await readTask(gateway.url, ALICE, 'v1', task_id)).status).toBe(200);
    expect((await createTask(gateway.url, ALICE, 'legacy', swissNumbers(3))).status).toBe(200);
    now += 10_000;
    for (const refused of [
      await createTask(gateway.url, ALICE, 'legacy', swissNumbers(3)),
      await createTask(gateway.url, ALICE, 'v1', swissNumbers(600, 7000)),
      await readTask(gateway.url, ALICE, 'v1', task_id),
      await balance(gateway, ALICE),
    ]) {
      expect(refused.status).toBe(429);
      // The first request left the window 50 s from now.
      expect(refused.headers.get('retry-after')).toBe('50');
      expect(await refused.json()).toEqual({ error: 'too many requests' });
    }
    expect((await readTask(gateway.url, BOB, 'v1', task_id)).status).toBe(404); // counted for bob, not refused
    now += 50_000;
    expect((await readTask(gateway.url, ALICE, 'v1', task_id)).status).toBe(200);
    // bob has the default: 100 a second.
    for (let i = 0; i < 100; i++) expect((await balance(gateway, BOB)).status).toBe(200);
    expect((await balance(gateway, BOB)).status).toBe(429);
    expect(sim.ledger.tasksCreated).toBe(0);
  });

  test('uploads over the limit are 413 in both dialects; a status read with a huge body is 400; no task', async () => {
    const { gateway, sim } = await startWith();
    const huge = swissNumbers(10_000, 100_000);
    expect((await createTask(gateway.url, BOB, 'legacy', huge)).status).toBe(413);
    expect((await createTask(gateway.url, BOB, 'v1', huge)).status).toBe(413);
    const body = new URLSearchParams({ task_id: 'x'.repeat(100_000) });
    const read = await fetch(`${gateway.url}/v1/gettasks`, { method: 'POST', headers: { 'x-api-key': BOB }, body });
    expect(read.status).toBe(400);
    expect(sim.ledger.tasksCreated).toBe(0);
  });

  test('a bad rate in the clients file is refused, naming the client and never the key', async () => {
    const path = join(await tempDir(), 'clients.json');
    await writeFile(
      path,
      JSON.stringify({ keys: { [ALICE]: { name: 'alice', rate: { requests: 0, windowMs: 1000 } } } }),
    );
    const error = (await ClientKeys.load(path).catch((caught: unknown) => caught)) as WaError;
    expect(error).toMatchObject({
      code: 'WA_INVALID_OPTION',
      message: expect.stringContaining('"rate" of client "alice"'),
    });
    expect(error.message).not.toContain(ALICE);
    await writeFile(
      path,
      JSON.stringify({ keys: { [ALICE]: { name: 'alice', rate: { requests: 5, windowMs: 1000 } } } }),
    );
    expect((await ClientKeys.load(path)).find(ALICE)).toEqual({ name: 'alice', rate: { requests: 5, windowMs: 1000 } });
  });
});

describe('wa-check serve: GET /v1/balance', () => {
  test('a client reads its own balance: maxSpend less what it paid upstream; unlimited is null; 401 without a key', async () => {
    const { gateway, sim } = await startWith();
    expect((await balance(gateway)).status).toBe(401);
    expect((await balance(gateway, 'not-a-client-key')).status).toBe(401);
    expect(await (await balance(gateway, CAROL)).json()).toEqual({ balance: 600 });
    expect(await (await balance(gateway, BOB)).json()).toEqual({ balance: null });
    const { task_id } = (await (await createTask(gateway.url, CAROL, 'v1', swissNumbers(500, 3000))).json()) as {
      task_id: string;
    };
    await pollUntilExported(gateway.url, CAROL, 'v1', task_id);
    expect(await (await balance(gateway, CAROL)).json()).toEqual({ balance: 100 });
    // Never the upstream account's: the simulator's balance moved by the price of 500 numbers.
    expect(sim.ledger.numbersCharged).toBe(500);
  });

  test('with a price per number, the balance is in money', async () => {
    const { gateway } = await startWith({ pricePerNumber: 0.0001 });
    expect(await (await balance(gateway, CAROL)).json()).toEqual({ balance: 0.06 });
  });
});
