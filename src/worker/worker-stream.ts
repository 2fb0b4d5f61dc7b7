import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker, type MessagePort, type ResourceLimits, type Transferable } from 'node:worker_threads';
import { ErrorCodes, WaError, type ErrorCode } from '../errors.js';

/**
 * An async iterable computed in a worker thread, consumed here: the work runs on another core.
 * The worker runs a bounded number of items ahead (it waits for acknowledgements), and a WaError it
 * throws arrives here with its code. Worker scripts exist once compiled; callers check
 * `workerScriptExists` and otherwise run the same iterable in this thread.
 */
type StreamMessage<T> =
  | { type: 'item'; item: T }
  | { type: 'note'; note: unknown }
  | { type: 'done' }
  | { type: 'error'; code: string | undefined; message: string };

/**
 * Items the worker may run ahead of the consumer. The job's thread is busiest at the start (it
 * reads the cache through while the input is read); a deep window lets the input worker keep
 * going meanwhile. 10M warm rows: 8 -> 11.0 s, 32 -> 10.7 s, 128 -> 10.6 s (4096-row batches,
 * ~0.5M rows ahead); 256 gained nothing more for ~120 MB.
 */
export const ITEMS_AHEAD = 128;
const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

export function workerScriptExists(script: URL): boolean {
  return existsSync(fileURLToPath(script));
}

/**
 * The consuming side. `failureCode` types errors that carry no code of ours. `onNote` receives
 * what the worker sends with `sendNote` (e.g. the input columns it chose), in order with the items.
 * `script` may be a worker already started that waits for its data as its first message
 * (ingest-pool.ts): it is sent `workerData` that way.
 */
export async function* workerStream<T>(
  script: URL | Worker,
  workerData: unknown,
  failureCode: ErrorCode,
  resourceLimits?: ResourceLimits,
  onNote?: (note: unknown) => void,
): AsyncGenerator<T> {
  const adopted = script instanceof Worker;
  const worker = adopted ? script : new Worker(script, { workerData, resourceLimits });
  if (adopted) {
    if (worker.threadId === -1)
      throw new WaError(failureCode, 'A worker thread failed: it stopped before its job was sent.');
    // Prewarmed workers are unreferenced until they have a job (ingest-pool.ts).
    worker.ref();
    worker.postMessage(workerData);
  }
  const inbox: Array<StreamMessage<T>> = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (message: StreamMessage<T>) => {
    inbox.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the worker stopped (exit code ${code})`);
    wake?.();
  });
  try {
    for (;;) {
      while (inbox.length === 0) {
        if (failure) throw new WaError(failureCode, `A worker thread failed: ${failure.message}.`, { cause: failure });
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      const message = inbox.shift()!;
      if (message.type === 'done') return;
      if (message.type === 'note') {
        onNote?.(message.note);
        continue;
      }
      if (message.type === 'error') {
        throw new WaError(
          message.code && KNOWN_CODES.has(message.code) ? (message.code as ErrorCode) : failureCode,
          message.message,
        );
      }
      worker.postMessage('ack');
      yield message.item;
    }
  } finally {
    await worker.terminate();
  }
}

/** The worker's side: a note for the consumer's `onNote`, outside the flow of items. */
export function sendNote(port: MessagePort, note: unknown): void {
  port.postMessage({ type: 'note', note } satisfies StreamMessage<never>);
}

/** How far ahead by size, besides ITEMS_AHEAD: items of very different sizes (rows with their cells). */
export interface ServeLimit<T> {
  /** An item's size, in any unit (e.g. characters). */
  weigh: (item: T) => number;
  /** The most the unacknowledged items may weigh together; one item always goes. */
  maxAhead: number;
}

/**
 * The worker's side: sends each item of `source`, transferring what `transfer` names, at most
 * `itemsAhead` ahead of the consumer (several workers feeding one consumer share the window).
 */
export async function serveStream<T>(
  port: MessagePort,
  source: AsyncIterable<T>,
  transfer: (item: T) => Transferable[] = () => [],
  itemsAhead = ITEMS_AHEAD,
  limit?: ServeLimit<T>,
): Promise<void> {
  let unacknowledged = 0;
  // Acknowledgements come in order: each one frees the oldest item's weight.
  const weights: number[] = [];
  let weightAhead = 0;
  port.on('message', () => {
    unacknowledged--;
    weightAhead -= weights.shift() ?? 0;
  });
  try {
    for await (const item of source) {
      // Weighed before it is sent: what is transferred is gone from this side afterwards.
      const weight = limit ? limit.weigh(item) : 0;
      port.postMessage({ type: 'item', item } satisfies StreamMessage<T>, transfer(item));
      unacknowledged++;
      if (limit) {
        weights.push(weight);
        weightAhead += weight;
      }
      while (unacknowledged >= itemsAhead || (limit && unacknowledged > 0 && weightAhead >= limit.maxAhead))
        await once(port, 'message');
    }
    port.postMessage({ type: 'done' } satisfies StreamMessage<T>);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    port.postMessage({ type: 'error', code, message: message ?? String(error) } satisfies StreamMessage<T>);
  }
}
