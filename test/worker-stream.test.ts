import { expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes } from '../src/errors.js';
import { workerStream } from '../src/worker/worker-stream.js';
import { openPaths } from './helpers/open-paths.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Runs dist/: `npm run build` first.
const NOTES_WORKER = new URL('./helpers/notes-worker.mjs', import.meta.url);
const READ_WORKER = new URL('./helpers/read-worker.mjs', import.meta.url);
const WEIGHTED_WORKER = new URL('./helpers/weighted-worker.mjs', import.meta.url);
const tempDir = useTempDirs();

test('workerStream() - a note from the worker reaches onNote in order with the items', async () => {
  const seen: unknown[] = [];
  const stream = workerStream<number>(NOTES_WORKER, undefined, ErrorCodes.INPUT_UNREADABLE, undefined, (note) =>
    seen.push(note),
  );
  for await (const item of stream) seen.push(item);
  expect(seen).toEqual([0, { columns: 'chosen' }, 1, 2]);
});

test('workerStream() - a consumer that stops early: the worker is gone and the file it read is closed', async () => {
  const path = join(await tempDir(), 'big.txt');
  // More rows than the worker may run ahead (128 batches of 2,048): it is mid-file when the consumer leaves.
  await writeFile(path, '+41798284651\n'.repeat(1_000_000));
  for await (const batch of workerStream<unknown[]>(READ_WORKER, { path }, ErrorCodes.INPUT_UNREADABLE)) {
    expect(batch.length).toBeGreaterThan(0);
    expect(openPaths()).toContain(path);
    break;
  }
  expect(openPaths()).not.toContain(path);
});

test('serveStream() - items held back by weight: transferred ones too (weighed before they are sent)', async () => {
  const counter = new SharedArrayBuffer(4);
  const sent = new Int32Array(counter);
  const stream = workerStream<{ i: number; bytes: Uint8Array }>(
    WEIGHTED_WORKER,
    { counter },
    ErrorCodes.INPUT_UNREADABLE,
  );
  for await (const item of stream) {
    expect(item.bytes.length).toBe(1024 * 1024);
    // The worker runs ahead while this consumer waits: until 4 MB are out (5 items), not 128 of them.
    for (let waited = 0; waited < 50 && Atomics.load(sent, 0) < 8; waited++)
      await new Promise((r) => setTimeout(r, 20));
    expect(Atomics.load(sent, 0)).toBeGreaterThanOrEqual(4);
    expect(Atomics.load(sent, 0)).toBeLessThanOrEqual(6);
    break;
  }
});
