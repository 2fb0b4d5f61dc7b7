import { Redis } from 'ioredis';
import { expect, test } from 'vitest';
import { DEFAULT_MAX_AGE_MS } from '../src/store/result-cache.js';
import { NumberClaims } from '../src/store/redis/number-claims.js';
import { RedisResultCache } from '../src/store/redis/redis-result-cache.js';
import { useRedisServers } from './helpers/redis-server.js';

const startRedis = useRedisServers();
const numbers = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+4179${String(from + i).padStart(7, '0')}`);

test('NumberClaims.claim() - overlapping batches from several clients: each number claimed exactly once', async () => {
  const server = await startRedis();
  const clients = await Promise.all(Array.from({ length: 3 }, () => NumberClaims.open({ url: server.url })));
  // 2,500 numbers each (three script calls), overlapping their neighbours by half.
  const batches = [numbers(0, 2500), numbers(1250, 2500), numbers(2500, 2500)];
  const results = await Promise.all(clients.map((claims, i) => claims.claim(batches[i]!)));
  const owners = new Map<string, number>();
  results.forEach((result, i) => {
    for (const number of result.claimed) {
      expect(owners.has(number)).toBe(false);
      owners.set(number, i);
    }
  });
  expect(owners.size).toBe(5000);
  results.forEach((result, i) => {
    expect(result.claimed.length + result.taken.length).toBe(2500);
    for (const number of result.taken) expect(owners.get(number)).not.toBe(i);
  });
  // Claiming again what we hold is ours still; what others hold is still theirs.
  const again = await clients[0]!.claim(batches[1]!);
  expect(new Set(again.claimed)).toEqual(new Set(batches[1]!.filter((number) => owners.get(number) === 0)));
  await Promise.all(clients.map((claims) => claims.close()));
});

test('NumberClaims - a claim that lapses unpaid is claimed again; a pinned one never lapses', async () => {
  const server = await startRedis();
  const dying = await NumberClaims.open({ url: server.url, leaseMs: 1_000 });
  const other = await NumberClaims.open({ url: server.url, leaseMs: 60_000 });
  const cache = await RedisResultCache.open({ url: server.url });
  const [unpaid, uploading] = [numbers(0, 20), numbers(100, 20)];
  await dying.claim([...unpaid, ...uploading]);
  expect(await dying.pin(uploading, 'task-a')).toEqual([]);
  await dying.close(); // dies: no renewals, no release

  // The other worker waits: the lapsed claims become its own; the pinned ones stay the task's.
  const waited = await other.awaitOthers(unpaid, cache, { maxAgeMs: DEFAULT_MAX_AGE_MS, pollMs: 20 });
  expect(waited.claimed.sort()).toEqual(unpaid);
  expect(waited.taken).toEqual([]);
  const redis = new Redis(server.url);
  for (const number of uploading) expect(await redis.pttl(`wa-check:claim:${number}`)).toBe(-1);
  expect(new Set(await other.holders(uploading))).toEqual(new Set(['task:task-a']));
  expect((await other.claim(uploading)).claimed).toEqual([]);
  // Whoever finishes task-a (here: the other worker, having adopted it) releases its pins.
  await other.release(uploading, 'task-a');
  expect((await other.claim(uploading)).claimed).toEqual(uploading);
  redis.disconnect();
  await Promise.all([other.close(), cache.close()]);
});

test('NumberClaims.awaitOthers() - the holder stores its answers and releases: the waiter gets them, pays nothing', async () => {
  const server = await startRedis();
  const holder = await NumberClaims.open({ url: server.url });
  const waiter = await NumberClaims.open({ url: server.url });
  const cache = await RedisResultCache.open({ url: server.url });
  const list = numbers(500, 10);
  expect((await holder.claim(list)).claimed).toEqual(list);
  expect((await waiter.claim(list)).taken).toEqual(list);

  const waiting = waiter.awaitOthers(list, cache, { maxAgeMs: DEFAULT_MAX_AGE_MS, pollMs: 10 });
  const checkedAt = Date.now();
  await cache.putMany(list.map((number) => [number, { whatsapp: 'yes', checkedAt }] as const));
  await holder.release(list);
  const result = await waiting;
  expect(result.claimed).toEqual([]);
  expect(result.taken).toEqual([]);
  expect([...result.answered.keys()].sort()).toEqual(list);
  await Promise.all([holder.close(), waiter.close(), cache.close()]);
});

test('NumberClaims.claimUnanswered() - an answer stored between lookup and claim is used, not paid again', async () => {
  const server = await startRedis();
  const claims = await NumberClaims.open({ url: server.url });
  const cache = await RedisResultCache.open({ url: server.url });
  const list = numbers(900, 4);
  // Another worker answered two of them and let go, after our lookup missed them.
  await cache.putMany([
    [list[0]!, { whatsapp: 'no', checkedAt: Date.now() }],
    [list[2]!, { whatsapp: 'yes', checkedAt: Date.now() }],
  ]);
  const result = await claims.claimUnanswered(list, cache, DEFAULT_MAX_AGE_MS);
  expect(result.claimed).toEqual([list[1], list[3]]);
  expect([...result.answered.keys()]).toEqual([list[0], list[2]]);
  expect(await claims.holders([list[0]!, list[1]!])).toEqual([undefined, claims.token]);
  await Promise.all([claims.close(), cache.close()]);
});

test('NumberClaims.pin() - numbers whose claim another worker took are reported, not pinned', async () => {
  const server = await startRedis();
  const slow = await NumberClaims.open({ url: server.url, leaseMs: 60_000 });
  const fast = await NumberClaims.open({ url: server.url });
  const list = numbers(700, 3);
  await slow.claim(list);
  // The slow worker's claim on one number lapsed and the fast one claimed it.
  const redis = new Redis(server.url);
  await redis.del(`wa-check:claim:${list[1]}`);
  await fast.claim([list[1]!]);
  expect(await slow.pin(list, 'task-s')).toEqual([list[1]]);
  expect(await slow.holders(list)).toEqual(['task:task-s', fast.token, 'task:task-s']);
  redis.disconnect();
  await Promise.all([slow.close(), fast.close()]);
});

test('NumberClaims - claims held by a live worker are renewed past their lease; another worker cannot take them', async () => {
  const server = await startRedis();
  const holder = await NumberClaims.open({ url: server.url, leaseMs: 900 });
  const other = await NumberClaims.open({ url: server.url });
  const list = numbers(300, 5);
  await holder.claim(list);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect((await other.claim(list)).taken).toEqual(list);
  expect(await holder.pin(list, 'task-h')).toEqual([]);
  await Promise.all([holder.close(), other.close()]);
});
