import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, WaError, type ErrorCode } from '../errors.js';
import type { InputSource } from '../input/read-input.js';
import type { IngestWorkerData, IngestWorkerMessage } from './ingest-worker.js';
import { normalizeToSpool, type NormalizeOptions } from './normalize-to-spool.js';

const WORKER = new URL('./ingest-worker.js', import.meta.url);
const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/**
 * Pass 1's key batches (see normalizeToSpool). A file is read and normalized in a worker
 * thread, on the second core; streams and iterables, which cannot move to a worker, are read
 * here. The worker script exists once compiled; run from TypeScript sources, everything stays
 * in this thread, with the same results.
 */
export function keyBatches(input: InputSource, options: NormalizeOptions, spoolPath: string): AsyncGenerator<Float64Array> {
  if (typeof input === 'string' && workerAvailable()) {
    return fromWorker({ input, options: { column: options.column, countryColumn: options.countryColumn, format: options.format, country: options.country }, spoolPath });
  }
  return normalizeToSpool(input, options, spoolPath);
}

/** Whether files are read in a worker thread here (true once compiled). */
export function workerAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER));
}

async function* fromWorker(data: IngestWorkerData): AsyncGenerator<Float64Array> {
  const worker = new Worker(WORKER, { workerData: data });
  const inbox: IngestWorkerMessage[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (message: IngestWorkerMessage) => {
    inbox.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the input worker stopped (exit code ${code})`);
    wake?.();
  });
  try {
    for (;;) {
      while (inbox.length === 0) {
        if (failure) throw new WaError(ErrorCodes.INPUT_UNREADABLE, `The input could not be read: ${failure.message}.`, { cause: failure });
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      const message = inbox.shift()!;
      if (message.type === 'done') return;
      if (message.type === 'error') {
        const code = message.code && KNOWN_CODES.has(message.code) ? (message.code as ErrorCode) : ErrorCodes.INPUT_UNREADABLE;
        throw new WaError(code, message.message);
      }
      worker.postMessage('ack');
      yield message.keys;
    }
  } finally {
    await worker.terminate();
  }
}
