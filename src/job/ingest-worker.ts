import { parentPort, workerData } from 'node:worker_threads';
import { once } from 'node:events';
import { normalizeToSpool, type NormalizeOptions } from './normalize-to-spool.js';

/**
 * normalizeToSpool() in a worker thread, so reading and normalizing a file runs on one core
 * while the job dedupes and looks numbers up on another. Batches of keys are transferred, not
 * copied; the worker waits for acknowledgements so it runs at most a few batches ahead.
 */
export interface IngestWorkerData {
  input: string;
  options: NormalizeOptions;
  spoolPath: string;
}

export type IngestWorkerMessage =
  | { type: 'keys'; keys: Float64Array }
  | { type: 'done' }
  | { type: 'error'; code: string | undefined; message: string };

export const BATCHES_AHEAD = 8;

const port = parentPort!;
const { input, options, spoolPath } = workerData as IngestWorkerData;
let unacknowledged = 0;
port.on('message', () => {
  unacknowledged--;
});

try {
  for await (const keys of normalizeToSpool(input, options, spoolPath)) {
    port.postMessage({ type: 'keys', keys } satisfies IngestWorkerMessage, [keys.buffer as ArrayBuffer]);
    unacknowledged++;
    while (unacknowledged >= BATCHES_AHEAD) await once(port, 'message');
  }
  port.postMessage({ type: 'done' } satisfies IngestWorkerMessage);
} catch (error) {
  const { code, message } = error as { code?: string; message?: string };
  port.postMessage({ type: 'error', code, message: message ?? String(error) } satisfies IngestWorkerMessage);
}
