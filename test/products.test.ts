import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkNumbers } from '../src/job/check-numbers.js';
import { writeResults } from '../src/output/write-results.js';
import { ErrorCodes } from '../src/errors.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { MemoryResultCache } from '../src/store/memory-result-cache.js';
import { decodeProductAnswer, encodeProductAnswer } from '../src/store/product-answers.js';
import type { ResultCache } from '../src/store/result-cache.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { runJob } from './helpers/expectations.js';

const { start } = useFastSimulators();
const tempDir = useTempDirs();

describe('checkNumbers() - v1 products', () => {
  test('ws_active: extra columns on every result, cached per product, answered from the cache next time', async () => {
    const sim = await start();
    const cacheDir = await tempDir();
    const numbers = swissNumbers(1000);
    const client = clientFor(sim, { api: 'v1', product: 'ws_active' });
    const first = await runJob(numbers, { client, cacheDir });
    expect(first.summary).toMatchObject({ numbersCharged: 1000, complete: true });
    for (const result of first.results) {
      expect(Object.keys(result.extras!)).toEqual(['activetime', 'activedays', 'business']);
      expect(result.extras).toEqual(sim.oracle.extras('ws_active', result.number!));
    }
    const second = await runJob(numbers, { client, cacheDir });
    expect(sim.ledger.numbersCharged).toBe(1000);
    expect(second.summary).toMatchObject({ cacheHits: 1000, numbersCharged: 0 });
    expect(second.results.map((r) => [r.source, r.extras])).toEqual(first.results.map((r) => ['cache', r.extras]));
    // Stored beside the ws answers, not among them: the ws key space (and its answer log) is as before.
    const cache = await LevelResultCache.open(cacheDir);
    try {
      expect(await cache.getMany([numbers[0]!])).toEqual([undefined]);
      expect((await cache.forProduct('ws_active').getMany([numbers[0]!]))[0]?.extras).toEqual(first.results[0]!.extras);
    } finally {
      await cache.close();
    }
  });

  test('a cached ws_avatar answer answers a plain ws question (not paid, said so); never the other way round', async () => {
    const sim = await start();
    const cacheDir = await tempDir();
    const numbers = swissNumbers(600);
    await runJob(numbers, { client: clientFor(sim, { api: 'v1', product: 'ws_avatar' }), cacheDir });
    expect(sim.ledger.numbersCharged).toBe(600);

    const plain = await runJob(numbers, { client: clientFor(sim, { api: 'v1' }), cacheDir });
    expect(sim.ledger.numbersCharged).toBe(600);
    expect(plain.summary).toMatchObject({ cacheHits: 600, savedByRicherProducts: 600, numbersCharged: 0 });
    expect(plain.summary.notes?.join(' ')).toMatch(
      /600 numbers were answered from cached ws_active\/ws_avatar answers/,
    );
    expect(plain.results.every((r) => r.source === 'cache' && r.extras === undefined)).toBe(true);
    for (const r of plain.results) expect(r.whatsapp).toBe(sim.oracle.answer(r.number!));

    // ws answers do not answer ws_active: those are paid for.
    const others = swissNumbers(1000, 5000);
    await runJob(others, { client: clientFor(sim, { api: 'v1' }), cacheDir });
    const active = await runJob(others, { client: clientFor(sim, { api: 'v1', product: 'ws_active' }), cacheDir });
    expect(active.summary).toMatchObject({ cacheHits: 0, numbersCharged: 1000 });
  });

  test('writeResults: CSV and JSONL carry the product columns after the usual ones', async () => {
    const sim = await start();
    const dir = await tempDir();
    const client = clientFor(sim, { api: 'v1', product: 'ws_active' });
    const numbers = swissNumbers(1000);
    await writeResults(checkNumbers(numbers, { client, cache: new MemoryResultCache() }), join(dir, 'out.csv'));
    const lines = (await readFile(join(dir, 'out.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('row,input,number,whatsapp,source,reason,duplicate,activetime,activedays,business');
    const extras = sim.oracle.extras('ws_active', numbers[0]!);
    expect(lines[1]).toBe(
      `1,'${numbers[0]},${numbers[0]},${sim.oracle.answer(numbers[0]!)},api,,false,${extras.activetime},${extras.activedays},${extras.business}`,
    );
    await writeResults(checkNumbers(numbers, { client, cacheDir: await tempDir() }), join(dir, 'out.jsonl'));
    const first = JSON.parse((await readFile(join(dir, 'out.jsonl'), 'utf8')).split('\n')[0]!);
    expect(first.extras).toEqual(extras);
  });

  test('a cache without product answers (a Redis cache, say) refuses ws_active with a typed error, before paying', async () => {
    const sim = await start();
    const memory = new MemoryResultCache();
    const wsOnly: ResultCache = {
      getMany: (numbers) => memory.getMany(numbers),
      putMany: (entries) => memory.putMany(entries),
      deleteMany: (numbers) => memory.deleteMany(numbers),
      close: () => memory.close(),
    };
    const job = runJob(swissNumbers(1000), {
      client: clientFor(sim, { api: 'v1', product: 'ws_active' }),
      cache: wsOnly,
    });
    await expect(job).rejects.toMatchObject({
      code: ErrorCodes.INVALID_OPTION,
      message: expect.stringContaining('keeps ws answers only'),
    });
    expect(sim.ledger.tasksCreated).toBe(0);
  });
});

describe('product answers as stored', () => {
  test('encodeProductAnswer() / decodeProductAnswer() - extras round-trip; a damaged extras part keeps the yes/no', () => {
    const answer = { whatsapp: 'yes' as const, checkedAt: 1_732_712_345_000, extras: { age: '31', gender: 'f\tx' } };
    expect(decodeProductAnswer(encodeProductAnswer(answer))).toEqual(answer);
    expect(decodeProductAnswer('n1732712345\t{"age":')).toEqual({ whatsapp: 'no', checkedAt: 1_732_712_345_000 });
    expect(decodeProductAnswer('y1732712345')).toEqual({ whatsapp: 'yes', checkedAt: 1_732_712_345_000 });
    expect(decodeProductAnswer('?1732712345\t{}')).toBeUndefined();
  });
});
