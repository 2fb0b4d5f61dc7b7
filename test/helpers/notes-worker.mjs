// A worker for test/worker-stream.test.ts: three items, a note after the first (run `npm run build` first).
import { parentPort } from 'node:worker_threads';
import { sendNote, serveStream } from '../../dist/worker/worker-stream.js';

async function* items() {
  yield 0;
  sendNote(parentPort, { columns: 'chosen' });
  yield 1;
  yield 2;
}
await serveStream(parentPort, items());
