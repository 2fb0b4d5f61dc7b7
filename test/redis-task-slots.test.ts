import { Redis } from 'ioredis';
import { expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { TaskSlots } from '../src/store/redis/task-slots.js';
import { useRedisServers } from './helpers/redis-server.js';

const startRedis = useRedisServers();
const API_KEY = 'sk-live-fleet-key-0123456789';

test('TaskSlots - never more than the limit held at once across several clients, and every waiter gets its turn', async () => {
  const server = await startRedis();
  const clients = await Promise.all(
    Array.from({ length: 4 }, () => TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 3, retryMs: 5 })),
  );
  let open = 0;
  let mostOpen = 0;
  let tasks = 0;
  // Four clients, four workers each, three tasks each: 48 tasks through 3 slots.
  await Promise.all(
    clients.flatMap((slots) =>
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 3; i++) {
          const slot = await slots.acquire();
          open++;
          mostOpen = Math.max(mostOpen, open);
          expect(await slots.held()).toBeLessThanOrEqual(3);
          await new Promise((resolve) => setImmediate(resolve));
          open--;
          tasks++;
          await slot.release();
        }
      }),
    ),
  );
  expect(tasks).toBe(48);
  expect(mostOpen).toBe(3);
  expect(await clients[0]!.held()).toBe(0);
  await Promise.all(clients.map((slots) => slots.close()));
});

test('TaskSlots - a dead holder frees its slot when its lease ends, not before', async () => {
  const server = await startRedis();
  const dying = await TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 1, leaseMs: 300 });
  const waiting = await TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 1, leaseMs: 60_000, retryMs: 20 });
  const redis = new Redis(server.url);
  const slotKey = (await redis.keys('wa-check:slots:*'))[0];
  expect(slotKey).toBeUndefined();

  const held = (await dying.tryAcquire())!;
  held.abandon(); // the worker dies: no more renewals, no release
  const [key] = await redis.keys('wa-check:slots:*');
  const leaseEnd = Number(await redis.zscore(key!, held.token));

  const slot = await waiting.acquire();
  // Admitted by the server's clock no earlier than the dead lease's end.
  const admittedAt = Number(await redis.zscore(key!, slot.token)) - 60_000;
  expect(admittedAt).toBeGreaterThanOrEqual(leaseEnd);
  expect(await redis.zscore(key!, held.token)).toBeNull();
  expect(await waiting.held()).toBe(1);
  await slot.release();
  redis.disconnect();
  await Promise.all([dying.close(), waiting.close()]);
});

test('TaskSlots - a live holder keeps its slot: another client is refused while it holds', async () => {
  const server = await startRedis();
  const [first, second] = await Promise.all([
    TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 2 }),
    TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 2 }),
  ]);
  const a = (await first.tryAcquire())!;
  const b = (await first.tryAcquire())!;
  expect(await second.tryAcquire()).toBeUndefined();
  await a.release();
  const c = await second.tryAcquire();
  expect(c).toBeDefined();
  expect(await second.tryAcquire()).toBeUndefined();
  await Promise.all([b.release(), c!.release()]);
  await Promise.all([first.close(), second.close()]);
});

test('TaskSlots - the key names a hash of the API key, never the key; other keys have their own slots', async () => {
  const server = await startRedis();
  const slots = await TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 1 });
  const other = await TaskSlots.open({ url: server.url, apiKey: 'another-account-key', limit: 1 });
  const mine = (await slots.tryAcquire())!;
  const theirs = await other.tryAcquire();
  expect(theirs).toBeDefined();
  const redis = new Redis(server.url);
  const keys = await redis.keys('*');
  expect(keys).toHaveLength(2);
  for (const key of keys) expect(key).not.toContain(API_KEY);
  expect(JSON.stringify(await redis.zrange(keys[0]!, '0', '-1'))).not.toContain(API_KEY);
  await Promise.all([mine.release(), theirs!.release()]);
  redis.disconnect();
  await Promise.all([slots.close(), other.close()]);
});

test('TaskSlots.acquire() - a signal stops the wait with WA_ABORTED', async () => {
  const server = await startRedis();
  const slots = await TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 1, retryMs: 60_000 });
  const held = (await slots.tryAcquire())!;
  const stop = new AbortController();
  const waiting = slots.acquire(stop.signal);
  stop.abort();
  await expect(waiting).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
  await held.release();
  await slots.close();
});

test('TaskSlots.open() - a limit that is not a positive whole number is WA_INVALID_OPTION', async () => {
  await expect(TaskSlots.open({ url: 'redis://127.0.0.1:1/0', apiKey: API_KEY, limit: 0 })).rejects.toMatchObject({
    code: ErrorCodes.INVALID_OPTION,
  });
});

test('TaskSlots - a holder that lives on keeps renewing: its slot outlasts its lease several times over', async () => {
  const server = await startRedis();
  const holder = await TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 1, leaseMs: 900 });
  const other = await TaskSlots.open({ url: server.url, apiKey: API_KEY, limit: 1 });
  const slot = (await holder.tryAcquire())!;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(await other.tryAcquire()).toBeUndefined();
  expect(slot.lost).toBe(false);
  await slot.release();
  expect(await other.tryAcquire()).toBeDefined();
  await Promise.all([holder.close(), other.close()]);
});
