import { Redis } from 'ioredis';
import { expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import {
  NumberClaims,
  parseRedisUrl,
  RedisResultCache,
  RedisTaskJournal,
  TaskSlots,
} from '../src/store/redis/index.js';
import { useRedisServers } from './helpers/redis-server.js';

const startRedis = useRedisServers();

test('parseRedisUrl() - host, port, database, TLS; the password from the URL, else WA_CHECK_REDIS_PASSWORD', () => {
  expect(parseRedisUrl('redis://cache.internal:6380/3', {})).toMatchObject({
    host: 'cache.internal',
    port: 6380,
    db: 3,
    tls: false,
    password: undefined,
    where: 'redis://cache.internal:6380/3',
  });
  expect(parseRedisUrl('rediss://:s3cret@cache.internal', { WA_CHECK_REDIS_PASSWORD: 'env' })).toMatchObject({
    port: 6379,
    db: 0,
    tls: true,
    password: 's3cret',
    where: 'rediss://cache.internal/0',
  });
  expect(parseRedisUrl('redis://cache.internal/1', { WA_CHECK_REDIS_PASSWORD: 'from-env' }).password).toBe('from-env');
});

test('parseRedisUrl() - another scheme or a database that is not a number is WA_INVALID_OPTION, without the password', () => {
  expect(() => parseRedisUrl('http://:pw-xyz@cache.internal/0', {})).toThrow(
    expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, message: expect.not.stringContaining('pw-xyz') }),
  );
  expect(() => parseRedisUrl('redis://:pw-xyz@cache.internal/answers', {})).toThrow(
    expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, message: expect.not.stringContaining('pw-xyz') }),
  );
  expect(() => parseRedisUrl('not a url', {})).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
});

test('RedisResultCache.open() - nothing listening is WA_REDIS_UNAVAILABLE, naming the server', async () => {
  const server = await startRedis();
  await server.stop();
  await expect(RedisResultCache.open({ url: server.url })).rejects.toMatchObject({
    code: ErrorCodes.REDIS_UNAVAILABLE,
    message: expect.stringContaining(`127.0.0.1:${server.port}`),
  });
});

test('the four stores share one client; closing them leaves it open for its owner', async () => {
  const server = await startRedis();
  const client = new Redis(server.url);
  const cache = await RedisResultCache.open({ client });
  const journal = await RedisTaskJournal.open({ client, apiKey: 'key' });
  const claims = await NumberClaims.open({ client });
  const slots = await TaskSlots.open({ client, apiKey: 'key', limit: 1 });
  expect((await claims.claim(['+41791000001'])).claimed).toEqual(['+41791000001']);
  const slot = await slots.tryAcquire();
  expect(slot).toBeDefined();
  await journal.write({ id: 't', state: 'prepared', numbers: ['+41791000001'], count: 1, updatedAt: 0 });
  await cache.putMany([['+41791000001', { whatsapp: 'yes', checkedAt: 1_800_000_000_000 }]]);
  await slot!.release();
  await Promise.all([cache.close(), journal.close(), claims.close(), slots.close()]);
  expect(await client.ping()).toBe('PONG');
  client.disconnect();
});
