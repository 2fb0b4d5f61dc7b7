import { expect, test } from 'vitest';
import { ClientKeys } from '../src/gateway/client-keys.js';
import { type GatewayOptions, type RunningGateway, startGateway } from '../src/gateway/gateway.js';
import { RedisResultCache } from '../src/store/redis/redis-result-cache.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { createTask, downloadRows, pollUntilExported } from './helpers/gateway-http.js';
import { useRedisServers } from './helpers/redis-server.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { afterEach } from 'vitest';

const UPSTREAM_KEY = 'sk_upstream_fleet_secret';
const ALICE = 'client-key-alice-fleet';
const tempDir = useTempDirs();
const startRedis = useRedisServers();
// No failures: a number another worker failed to answer is claimed again and, alone, waits in the
// pool for company (below the minimum order), which this test is not about.
const { start } = useFastSimulators({ apiKey: UPSTREAM_KEY, failureShare: 0 });
const gateways: RunningGateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

async function gatewayOn(
  sim: RunningSimulator,
  redisUrl: string,
  options: Partial<GatewayOptions> = {},
): Promise<RunningGateway> {
  const gateway = await startGateway({
    upstream: {
      apiUrl: sim.url,
      apiKey: UPSTREAM_KEY,
      api: 'v1',
      retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50 },
      poll: { floorMs: 20, ceilingMs: 200, noticeFloorMs: 50 },
    },
    clients: new ClientKeys({ [ALICE]: { name: 'alice' } }),
    cacheDir: await tempDir(),
    redisUrl,
    gatherMs: 20,
    ...options,
  });
  gateways.push(gateway);
  return gateway;
}

async function session(gateway: RunningGateway, numbers: readonly string[]) {
  const created = (await (await createTask(gateway.url, ALICE, 'v1', numbers)).json()) as { task_id: string };
  const { task } = await pollUntilExported(gateway.url, ALICE, 'v1', created.task_id);
  return (await downloadRows(task.result_url!)).rows;
}

test('--cache redis: two gateways sharing one Redis pay for the overlap of their clients once', async () => {
  const sim = await start();
  const redis = await startRedis();
  const [east, west] = [await gatewayOn(sim, redis.url), await gatewayOn(sim, redis.url)];
  // 500 shared: whichever gateway claims them first, the other's own 500 still make an order.
  const eastNumbers = swissNumbers(1000, 0);
  const westNumbers = swissNumbers(1000, 500);
  const [eastRows, westRows] = await Promise.all([session(east, eastNumbers), session(west, westNumbers)]);
  const expected = (numbers: string[]) =>
    new Map(numbers.filter((n) => sim.oracle.answer(n) !== 'fail').map((n) => [n, sim.oracle.answer(n)] as const));
  expect(eastRows).toEqual(expected(eastNumbers));
  expect(westRows).toEqual(expected(westNumbers));
  expect(sim.ledger.snapshot()).toMatchObject({ numbersCharged: 1500, doubleCharged: {} });
  // Answers one gateway paid for are the other's from the shared cache: nothing more is charged.
  const answered = eastNumbers.filter((n) => sim.oracle.answer(n) !== 'fail').slice(0, 50);
  expect(await session(west, answered)).toEqual(expected(answered));
  expect(sim.ledger.numbersCharged).toBe(1500);
}, 60_000);

test('--cache redis --top-up stale: a lone small list is filled with the oldest shared answers, claimed, refreshed once', async () => {
  const sim = await start();
  const redis = await startRedis();
  const startedAt = Date.now();
  const cached = swissNumbers(600, 100_000); // number i checked i+1 hours ago: the oldest 380 are i >= 220
  const shared = await RedisResultCache.open({ url: redis.url });
  try {
    await shared.putMany(
      cached.map((number, i) => [number, { whatsapp: 'no', checkedAt: startedAt - (i + 1) * 3_600_000 }] as const),
    );
    const gateway = await gatewayOn(sim, redis.url, { topUp: 'stale', poolMaxWaitMs: 100 });
    const small = swissNumbers(120, 5000);
    const rows = await session(gateway, small);
    expect(rows.size).toBe(small.length);
    expect(sim.ledger.snapshot()).toMatchObject({ tasksCreated: 1, numbersCharged: 500, doubleCharged: {} });
    expect(cached.slice(220).every((n) => sim.ledger.chargesFor(n) === 1)).toBe(true);
    const after = await shared.getMany(cached.slice(220));
    expect(after.every((answer) => answer!.checkedAt >= Math.floor(startedAt / 1000) * 1000)).toBe(true);
    // The padding's claims went with the task: a second gateway asking for them is answered from the cache.
    const other = await gatewayOn(sim, redis.url);
    expect((await session(other, cached.slice(500))).size).toBe(100);
    expect(sim.ledger.numbersCharged).toBe(500);
  } finally {
    await shared.close();
  }
}, 60_000);
