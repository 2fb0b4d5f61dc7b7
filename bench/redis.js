// The fleet's shared answer cache in Redis: memory per answer (used_memory) at 1M answers, next
// to the naive layout (a string key per number), and put / lookup / full-read rates. Starts its
// own redis-server (`redis-server` on PATH, or REDIS_SERVER) with the persistence the money
// stores require: AOF, fsync always.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sampleRows } from '../dist/sample/sample-list.js';
import { RedisResultCache } from '../dist/store/redis/redis-result-cache.js';
import { fmt, table, timed } from './lib/report.js';

const BATCH = 10_000;

export async function run(args) {
  const count = Number(args[0] ?? 1_000_000);
  const numbers = sampleNumbers(count);
  const server = await startServer();
  try {
    const redis = new Redis(server.url);
    const checkedAt = Date.UTC(2026, 10, 1);
    const answers = numbers.map((number, i) => [number, { whatsapp: i % 3 ? 'no' : 'yes', checkedAt: checkedAt + i }]);

    const cache = await RedisResultCache.open({ url: server.url });
    const empty = await usedMemory(redis);
    const put = await timed(async () => {
      for (let i = 0; i < count; i += BATCH) await cache.putMany(answers.slice(i, i + BATCH));
    });
    const packed = (await usedMemory(redis)) - empty;
    const encodings = await bucketEncodings(redis);
    const get = await timed(async () => {
      for (let i = 0; i < count; i += BATCH) await cache.getMany(numbers.slice(i, i + BATCH));
    });
    const read = await timed(async () => {
      let seen = 0;
      for await (const batch of cache.answerBatches()) seen += batch.length;
      return seen;
    });
    await cache.close();

    await redis.flushall();
    const before = await usedMemory(redis);
    const naivePut = await timed(async () => {
      for (let i = 0; i < count; i += BATCH) {
        const pipeline = redis.pipeline();
        for (const [number, answer] of answers.slice(i, i + BATCH))
          pipeline.set(`wa-check:n:${number}`, `${answer.whatsapp[0]}${Math.floor(answer.checkedAt / 1000)}`);
        await pipeline.exec();
      }
    });
    const naive = (await usedMemory(redis)) - before;
    redis.disconnect();

    table(
      `Redis answer cache, ${fmt(count)} answers (sample numbers, 14 regions; redis-server ${server.version}, AOF fsync always)`,
      ['layout', 'used_memory', 'bytes/answer', 'puts/s', 'lookups/s', 'full read/s'],
      [
        [
          `RedisResultCache (hash buckets, listpack: ${encodings})`,
          `${(packed / 2 ** 20).toFixed(1)} MB`,
          (packed / count).toFixed(1),
          fmt((count / put.ms) * 1000),
          fmt((count / get.ms) * 1000),
          `${fmt((read.value / read.ms) * 1000)}`,
        ],
        [
          'a string key per number (naive)',
          `${(naive / 2 ** 20).toFixed(1)} MB`,
          (naive / count).toFixed(1),
          fmt((count / naivePut.ms) * 1000),
          '',
          '',
        ],
      ],
    );
  } finally {
    await server.stop();
  }
}

/** Unique E.164 numbers from the sample generator (the lists the other benchmarks use). */
function sampleNumbers(count) {
  const unique = new Set();
  for (const row of sampleRows({ rows: count * 2, seed: 'redis', e164Share: 1, junkShare: 0, duplicateShare: 0 })) {
    if (row.phone.startsWith('+')) unique.add(row.phone);
    if (unique.size === count) break;
  }
  return [...unique];
}

async function usedMemory(redis) {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
}

/** Encodings of a sample of 1,000 buckets, e.g. "listpack 1000/1000". */
async function bucketEncodings(redis) {
  const pipeline = redis.pipeline();
  for (let bucket = 0; bucket < 100_000; bucket += 100) pipeline.object('ENCODING', `wa-check:a:${bucket}`);
  const replies = await pipeline.exec();
  const listpacks = replies.filter(([, encoding]) => encoding === 'listpack').length;
  return `${listpacks}/${replies.length}`;
}

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'wa-check-bench-redis-'));
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  const child = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  while (!output.includes('Ready to accept connections')) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    version: /version=([\d.]+)/.exec(output)?.[1] ?? '?',
    async stop() {
      child.kill('SIGKILL');
      await once(child, 'exit').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
