import { expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { workerStream } from '../src/worker/worker-stream.js';

// Runs dist/: `npm run build` first.
const NOTES_WORKER = new URL('./helpers/notes-worker.mjs', import.meta.url);

test('workerStream() - a note from the worker reaches onNote in order with the items', async () => {
  const seen: unknown[] = [];
  const stream = workerStream<number>(NOTES_WORKER, undefined, ErrorCodes.INPUT_UNREADABLE, undefined, (note) =>
    seen.push(note),
  );
  for await (const item of stream) seen.push(item);
  expect(seen).toEqual([0, { columns: 'chosen' }, 1, 2]);
});
