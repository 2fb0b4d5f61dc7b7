// A worker for test/worker-stream.test.ts: readInput() of a path, served batch by batch (run `npm run build` first).
import { parentPort, workerData } from 'node:worker_threads';
import { readInput } from '../../dist/input/read-input.js';
import { serveStream } from '../../dist/worker/worker-stream.js';

await serveStream(parentPort, readInput(workerData.path));
