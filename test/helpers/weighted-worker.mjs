// A worker for test/worker-stream.test.ts: 1 MB items, transferred, held to 4 MB ahead by weight; counts what it sent in shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import { serveStream } from '../../dist/worker/worker-stream.js';

const sent = new Int32Array(workerData.counter);
async function* items() {
  for (let i = 0; i < 64; i++) {
    Atomics.add(sent, 0, 1);
    yield { i, bytes: new Uint8Array(1024 * 1024) };
  }
}
await serveStream(parentPort, items(), (item) => [item.bytes.buffer], 128, {
  weigh: (item) => item.bytes.length,
  maxAhead: 4 * 1024 * 1024,
});
