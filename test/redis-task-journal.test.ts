import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import type { JournalEntry } from '../src/store/task-journal.js';
import { NumberClaims } from '../src/store/redis/number-claims.js';
import { RedisResultCache } from '../src/store/redis/redis-result-cache.js';
import { RedisTaskJournal } from '../src/store/redis/redis-task-journal.js';
import { type OpenedTaskJournal, taskJournalContract } from '../src/testing/index.js';
import { useRedisServers } from './helpers/redis-server.js';

const startRedis = useRedisServers();
const API_KEY = 'sk-live-journal-key-42';

async function redisJournal(url: string): Promise<OpenedTaskJournal> {
  const journal = await RedisTaskJournal.open({ url, apiKey: API_KEY });
  return { journal, close: () => journal.close(), reopen: () => redisJournal(url) };
}

describe('TaskJournal contract', () => {
  taskJournalContract('RedisTaskJournal', async () => redisJournal((await startRedis()).url), { durable: true });
});

function entry(id: string, state: JournalEntry['state'], extra: Partial<JournalEntry> = {}): JournalEntry {
  const numbers = ['+41791000001', '+41791000002'];
  return { id, state, numbers, count: numbers.length, updatedAt: 1_700_000_000_000, ...extra };
}

test('RedisTaskJournal - write, open and remove as a TaskJournal: done entries are not open and lose their numbers', async () => {
  const server = await startRedis();
  const journal = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await journal.write(entry('a', 'prepared'));
  await journal.write(entry('a', 'uploading'));
  await journal.write(entry('a', 'submitted', { taskId: 'cs9viu7i61pkfs4oavvg' }));
  await journal.write(entry('b', 'prepared'));
  await journal.write(entry('c', 'prepared'));
  await journal.write(entry('c', 'done', { taskId: 'cs9viu7i61pkfs4oavv0' }));
  await journal.remove('b');
  expect(await journal.open()).toEqual([entry('a', 'submitted', { taskId: 'cs9viu7i61pkfs4oavvg' })]);
  const redis = new Redis(server.url);
  const stored = Object.values(await redis.hgetall((await redis.keys('wa-check:journal:*'))[0]!));
  expect(stored.map((json) => JSON.parse(json).numbers)).toContainEqual([]);
  for (const key of await redis.keys('*')) expect(key).not.toContain(API_KEY);
  redis.disconnect();
  await journal.close();
});

test('RedisTaskJournal - a submitted task survives Redis being killed and restarted (AOF, fsync always)', async () => {
  const server = await startRedis();
  const journal = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await journal.write(entry('paid', 'submitted', { taskId: 'cs9viu7i61pkfs4oavvg' }));
  await journal.close();
  await server.crashAndRestart();
  const after = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  expect(await after.open()).toEqual([entry('paid', 'submitted', { taskId: 'cs9viu7i61pkfs4oavvg' })]);
  await after.close();
});

test("RedisTaskJournal.open() - a dead worker's submitted task is adopted by another; a live worker's is left alone", async () => {
  const server = await startRedis();
  const live = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  const dying = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY, leaseMs: 1_000 });
  const other = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await live.write(entry('live-task', 'submitted', { taskId: 'cs9viu7i61pkfs4oav01' }));
  await dying.write(entry('orphan', 'submitted', { taskId: 'cs9viu7i61pkfs4oav02' }));
  await dying.abandon();

  let adopted: JournalEntry[] = [];
  while (adopted.length === 0) {
    adopted = await other.open();
    if (adopted.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(adopted).toEqual([entry('orphan', 'submitted', { taskId: 'cs9viu7i61pkfs4oav02' })]);
  // Adopted once: the live worker sees only its own, and cannot write the orphan any more.
  expect(await live.open()).toEqual([entry('live-task', 'submitted', { taskId: 'cs9viu7i61pkfs4oav01' })]);
  await expect(live.write(entry('orphan', 'done'))).rejects.toMatchObject({ code: ErrorCodes.REDIS_LEASE_LOST });
  await other.write(entry('orphan', 'done', { taskId: 'cs9viu7i61pkfs4oav02' }));
  expect(await other.open()).toEqual([]);
  await Promise.all([live.close(), other.close()]);
});

test('RedisTaskJournal - a worker whose lease ended cannot record an upload: WA_REDIS_LEASE_LOST', async () => {
  const server = await startRedis();
  const stalled = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await stalled.write(entry('t', 'prepared'));
  const redis = new Redis(server.url);
  await redis.del(`wa-check:worker:${stalled.token}`); // its lease ran out while it stalled
  await expect(stalled.write(entry('t', 'uploading'))).rejects.toMatchObject({
    code: ErrorCodes.REDIS_LEASE_LOST,
    message: expect.stringContaining('was not recorded'),
  });
  redis.disconnect();
  await stalled.close();
});

test('RedisTaskJournal.open() - a server that can lose journal writes is refused with WA_REDIS_NOT_DURABLE', async () => {
  const noAof = await startRedis({ appendonly: 'no' });
  await expect(RedisTaskJournal.open({ url: noAof.url, apiKey: API_KEY })).rejects.toMatchObject({
    code: ErrorCodes.REDIS_NOT_DURABLE,
    message: expect.stringContaining('appendonly'),
  });
  const evicting = await startRedis({ config: { 'maxmemory-policy': 'allkeys-lru' } });
  await expect(RedisTaskJournal.open({ url: evicting.url, apiKey: API_KEY })).rejects.toMatchObject({
    code: ErrorCodes.REDIS_NOT_DURABLE,
    message: expect.stringContaining('maxmemory-policy'),
  });
  const optedOut = await RedisTaskJournal.open({ url: noAof.url, apiKey: API_KEY, requireDurability: false });
  expect(await optedOut.open()).toEqual([]);
  await optedOut.close();
});

test('RedisTaskJournal - the journal is per API key: another account neither sees nor adopts its tasks', async () => {
  const server = await startRedis();
  const mine = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await mine.write(entry('x', 'submitted', { taskId: 'cs9viu7i61pkfs4oav03' }));
  await mine.close(); // a clean exit: its open task may be adopted at once, by the same account
  const otherAccount = await RedisTaskJournal.open({ url: server.url, apiKey: 'a-different-key' });
  expect(await otherAccount.open()).toEqual([]);
  const sameAccount = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  expect((await sameAccount.open()).map((open) => open.id)).toEqual(['x']);
  await Promise.all([otherAccount.close(), sameAccount.close()]);
});

test('RedisTaskJournal.get() - a waiter reads the state of the task its numbers are pinned to, adopting nothing', async () => {
  const server = await startRedis();
  const uploader = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  const waiter = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await uploader.write(entry('lost-create', 'unconfirmed'));
  await uploader.close(); // its lease ends at once: the entry is adoptable, yet get() leaves it
  expect(await waiter.get(['lost-create', 'never-written'])).toEqual([entry('lost-create', 'unconfirmed'), undefined]);
  const adopter = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  expect((await adopter.open()).map((open) => open.id)).toEqual(['lost-create']);
  await Promise.all([waiter.close(), adopter.close()]);
});

test('RedisTaskJournal.open() - a damaged entry is WA_CACHE_CORRUPT, and is left in place', async () => {
  const server = await startRedis();
  const journal = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await journal.write(entry('t', 'submitted', { taskId: 'cs9viu7i61pkfs4oav04' }));
  const redis = new Redis(server.url);
  const [key] = await redis.keys('wa-check:journal:*');
  await redis.hset(key!, 't', '{"id":"t","state":"subm');
  await expect(journal.open()).rejects.toMatchObject({ code: ErrorCodes.CACHE_CORRUPT });
  expect(await redis.hget(key!, 't')).toBe('{"id":"t","state":"subm');
  redis.disconnect();
  await journal.close();
});

test('RedisTaskJournal with claims - `uploading` pins the numbers only if every claim is still ours; `done` releases them', async () => {
  const server = await startRedis();
  const claims = await NumberClaims.open({ url: server.url });
  const journal = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY, claims });
  const task = entry('t', 'prepared');
  await claims.claim(task.numbers);
  await journal.write(task);
  // One claim lapsed and another worker took it: the upload is refused, nothing is pinned.
  const redis = new Redis(server.url);
  await redis.set(`wa-check:claim:${task.numbers[1]}`, 'another-worker');
  await expect(journal.write({ ...task, state: 'uploading' })).rejects.toMatchObject({
    code: ErrorCodes.REDIS_LEASE_LOST,
    message: expect.stringContaining('1 of the numbers'),
  });
  expect(await claims.holders(task.numbers)).toEqual([claims.token, 'another-worker']);
  await redis.set(`wa-check:claim:${task.numbers[1]}`, claims.token);

  await journal.write({ ...task, state: 'uploading' });
  expect(await claims.holders(task.numbers)).toEqual(['task:t', 'task:t']);
  await journal.write({ ...task, state: 'submitted', taskId: 'cs9viu7i61pkfs4oav05' });
  await journal.write({ ...task, state: 'done', numbers: [] });
  expect(await claims.holders(task.numbers)).toEqual([undefined, undefined]);
  redis.disconnect();
  await Promise.all([journal.close(), claims.close()]);
});

test('RedisTaskJournal - a worker that died while uploading: adopted as unconfirmed, and waiters on its numbers stop waiting', async () => {
  const server = await startRedis();
  const cache = await RedisResultCache.open({ url: server.url });
  const dyingClaims = await NumberClaims.open({ url: server.url });
  const dying = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY, leaseMs: 1_000, claims: dyingClaims });
  const task = entry('sent', 'prepared');
  await dyingClaims.claim(task.numbers);
  await dying.write(task);
  await dying.write({ ...task, state: 'uploading' }); // then the create, then the crash
  await Promise.all([dying.abandon(), dyingClaims.close()]);

  const waiterClaims = await NumberClaims.open({ url: server.url });
  const waiter = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY, claims: waiterClaims });
  const waiting = waiterClaims.awaitOthers(task.numbers, cache, { maxAgeMs: 1e12, pollMs: 10, journal: waiter });
  let adopted: JournalEntry[] = [];
  while (adopted.length === 0) {
    adopted = await waiter.open();
    if (adopted.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(adopted.map((open) => open.state)).toEqual(['unconfirmed']);
  expect(await waiting).toMatchObject({ claimed: [], taken: [], unconfirmed: task.numbers });
  expect((await waiter.get(['sent']))[0]?.state).toBe('unconfirmed');
  await Promise.all([waiter.close(), waiterClaims.close(), cache.close()]);
});

test('RedisTaskJournal with claims - a task refused for free and removed hands its numbers back to this worker, to split and upload', async () => {
  const server = await startRedis();
  const claims = await NumberClaims.open({ url: server.url });
  const journal = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY, claims });
  const whole = entry('whole', 'prepared');
  await claims.claim(whole.numbers);
  await journal.write(whole);
  await journal.write({ ...whole, state: 'uploading' });
  await journal.remove('whole'); // 413: free; split in two
  const redis = new Redis(server.url);
  expect(await claims.holders(whole.numbers)).toEqual([claims.token, claims.token]);
  expect(await redis.pttl(`wa-check:claim:${whole.numbers[0]}`)).toBeGreaterThan(0);
  const half = entry('half', 'prepared', { numbers: [whole.numbers[0]!], count: 1 });
  await journal.write(half);
  await journal.write({ ...half, state: 'uploading' });
  expect(await claims.holders(whole.numbers)).toEqual(['task:half', claims.token]);
  // The job ends without uploading the other half (stopped): its claim goes at once.
  await claims.releaseHeld();
  expect(await claims.holders(whole.numbers)).toEqual(['task:half', undefined]);
  redis.disconnect();
  await Promise.all([journal.close(), claims.close()]);
});

test('RedisTaskJournal - a live worker renews its lease: its entries are not adopted past the lease', async () => {
  const server = await startRedis();
  const live = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY, leaseMs: 900 });
  const other = await RedisTaskJournal.open({ url: server.url, apiKey: API_KEY });
  await live.write(entry('mine', 'submitted', { taskId: 'cs9viu7i61pkfs4oav06' }));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(await other.open()).toEqual([]);
  await live.write(entry('mine', 'done', { taskId: 'cs9viu7i61pkfs4oav06' }));
  await Promise.all([live.close(), other.close()]);
});
