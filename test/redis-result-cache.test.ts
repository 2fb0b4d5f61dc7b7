import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { RedisResultCache } from '../src/store/redis/redis-result-cache.js';
import { useRedisServers } from './helpers/redis-server.js';
import { resultCacheContract } from '../src/testing/index.js';

const startRedis = useRedisServers();
const at = Date.UTC(2026, 10, 1, 12, 0, 0);

describe('ResultCache contract', () => {
  resultCacheContract(
    'RedisResultCache',
    async () => {
      const server = await startRedis();
      return {
        cache: await RedisResultCache.open({ url: server.url }),
        reopen: () => RedisResultCache.open({ url: server.url }),
      };
    },
    { durable: true },
  );
});

test('RedisResultCache - two workers share answers: what one stored, the other finds', async () => {
  const server = await startRedis();
  const [first, second] = await Promise.all([
    RedisResultCache.open({ url: server.url }),
    RedisResultCache.open({ url: server.url }),
  ]);
  await first.putMany([['+41798284651', { whatsapp: 'yes', checkedAt: at }]]);
  expect(await second.getMany(['+41798284651', '+41798284652'])).toEqual([
    { whatsapp: 'yes', checkedAt: at },
    undefined,
  ]);
  await Promise.all([first.close(), second.close()]);
});

test('RedisResultCache - answers older than 2020 and far in the future keep their time', async () => {
  const server = await startRedis();
  const cache = await RedisResultCache.open({ url: server.url });
  const old = Date.UTC(2019, 0, 1, 0, 0, 1);
  const late = Date.UTC(2070, 0, 1);
  await cache.putMany([
    ['+41790000001', { whatsapp: 'yes', checkedAt: old }],
    ['+41790000002', { whatsapp: 'no', checkedAt: late }],
  ]);
  expect(await cache.getMany(['+41790000001', '+41790000002'])).toEqual([
    { whatsapp: 'yes', checkedAt: old },
    { whatsapp: 'no', checkedAt: late },
  ]);
  await cache.close();
});

test('RedisResultCache - answers are packed: listpack buckets, at most 40 bytes an answer', async () => {
  const server = await startRedis();
  // 3 digits: 1,000 buckets, so 60,000 answers fill them as 100M answers fill the default 5.
  const cache = await RedisResultCache.open({ url: server.url, bucketDigits: 3 });
  const redis = new Redis(server.url);
  const before = await usedMemory(redis);
  const count = 60_000;
  for (let from = 0; from < count; from += 10_000) {
    await cache.putMany(
      Array.from({ length: 10_000 }, (_, i) => {
        const n = from + i;
        // Spread like real lists: mobile ranges of several countries, sparse inside them.
        const number = `+${['4179', '49151', '336'][n % 3]}${String((n * 7_919_993) % 99_999_999).padStart(8, '0')}`;
        return [number, { whatsapp: n % 2 ? 'yes' : 'no', checkedAt: at + n * 1000 }] as const;
      }),
    );
  }
  const after = await usedMemory(redis);
  const pipeline = redis.pipeline();
  for (let bucket = 0; bucket < 1000; bucket++) pipeline.object('ENCODING', `wa-check:a:${bucket}`);
  const encodings = new Set((await pipeline.exec())!.map(([, encoding]) => encoding));
  expect([...encodings]).toEqual(['listpack']);
  expect(await cache.estimateSize()).toBeGreaterThan(count * 0.8);
  expect(await cache.estimateSize()).toBeLessThan(count * 1.2);
  expect((after - before) / count).toBeLessThanOrEqual(40);
  redis.disconnect();
  await cache.close();
});

test('RedisResultCache.open() - another bucketDigits than the namespace has is WA_INVALID_OPTION', async () => {
  const server = await startRedis();
  const first = await RedisResultCache.open({ url: server.url, bucketDigits: 4 });
  await expect(RedisResultCache.open({ url: server.url, bucketDigits: 5 })).rejects.toMatchObject({
    code: ErrorCodes.INVALID_OPTION,
  });
  const adopting = await RedisResultCache.open({ url: server.url });
  await first.putMany([['+41791234567', { whatsapp: 'no', checkedAt: at }]]);
  expect(await adopting.getMany(['+41791234567'])).toEqual([{ whatsapp: 'no', checkedAt: at }]);
  await Promise.all([first.close(), adopting.close()]);
});

test('RedisResultCache.open() - a server that would lose answers in a crash is WA_REDIS_NOT_DURABLE', async () => {
  const server = await startRedis({ appendfsync: 'everysec' });
  await expect(RedisResultCache.open({ url: server.url })).rejects.toMatchObject({
    code: ErrorCodes.REDIS_NOT_DURABLE,
    message: expect.stringContaining('appendfsync'),
  });
  const optedOut = await RedisResultCache.open({ url: server.url, requireDurability: false });
  expect(await optedOut.getMany(['+41791234567'])).toEqual([undefined]);
  await optedOut.close();
});

test('RedisResultCache.open() - a wrong password is WA_REDIS_UNAVAILABLE and the password is never shown', async () => {
  const server = await startRedis({ config: { requirepass: 'right-secret' } });
  const url = server.url.replace('redis://', 'redis://:wrong-secret@');
  const error = await RedisResultCache.open({ url, requireDurability: false }).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: ErrorCodes.REDIS_UNAVAILABLE });
  expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(
    'wrong-secret',
  );
  const fromEnv = await RedisResultCache.open({
    url: server.url,
    env: { WA_CHECK_REDIS_PASSWORD: 'right-secret' },
  });
  expect(await fromEnv.getMany(['+41791234567'])).toEqual([undefined]);
  await fromEnv.close();
});

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}
