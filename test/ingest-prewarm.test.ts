import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import type { IngestBatch } from '../src/job/normalize-rows.js';
import { TextColumn } from '../src/job/text-column.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Runs dist/ (the worker script exists once compiled): `npm run build` first.
const POOL = new URL('../dist/worker/ingest-pool.js', import.meta.url).href;
const STREAM = new URL('../dist/worker/worker-stream.js', import.meta.url).href;
const INGEST_WORKER = new URL('../dist/job/ingest-worker.js', import.meta.url);
const tempDir = useTempDirs();

type Pool = typeof import('../src/worker/ingest-pool.js');
type Stream = typeof import('../src/worker/worker-stream.js');

async function collect(
  stream: AsyncIterable<IngestBatch>,
): Promise<{ keys: number[]; reasons: number[]; inputs: string[] }> {
  const all = { keys: [] as number[], reasons: [] as number[], inputs: [] as string[] };
  for await (const batch of stream) {
    all.keys.push(...batch.keys);
    all.reasons.push(...batch.reasons);
    all.inputs.push(...TextColumn.over(batch.inputs).strings());
  }
  return all;
}

test('a prewarmed input worker, sent its job, reads the file as a worker started with it does', async () => {
  const { prewarmIngestWorkers, takeIngestWorkers } = (await import(POOL)) as Pool;
  const { workerStream } = (await import(STREAM)) as Stream;
  const path = join(await tempDir(), 'list.csv');
  const rows = Array.from({ length: 9_000 }, (_, i) => `c${i},079 ${1_000_000 + i},${i % 7 ? 'CH' : ''}`);
  await writeFile(path, `name,phone,country\n${rows.join('\n')}\nbad,"unclosed\n`);
  const data = { input: path, options: { country: undefined } };
  prewarmIngestWorkers(1);
  const [worker, ...more] = takeIngestWorkers(1);
  expect(worker).toBeDefined();
  expect(more).toEqual([]);
  const prewarmed = await collect(workerStream<IngestBatch>(worker!, data, 'WA_INPUT_UNREADABLE'));
  const fresh = await collect(workerStream<IngestBatch>(INGEST_WORKER, data, 'WA_INPUT_UNREADABLE'));
  expect(prewarmed.inputs.length).toBe(9_001);
  expect(prewarmed.keys.filter((key) => key > 0).length).toBeGreaterThan(7_000);
  expect(prewarmed).toEqual(fresh);
});

test('workers prewarmed for another thread count are ended, not used', async () => {
  const { prewarmIngestWorkers, takeIngestWorkers } = (await import(POOL)) as Pool;
  prewarmIngestWorkers(2);
  expect(takeIngestWorkers(1)).toEqual([]);
  // Nothing is left waiting: the next job of 2 starts its own.
  expect(takeIngestWorkers(2)).toEqual([]);
});

test('prewarmed workers never taken keep no process alive', () => {
  const script = `import(${JSON.stringify(POOL)}).then((pool) => pool.prewarmIngestWorkers(2));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
  expect(child.signal).toBeNull();
  expect(child.status).toBe(0);
  expect(fileURLToPath(INGEST_WORKER)).toMatch(/ingest-worker\.js$/);
});
