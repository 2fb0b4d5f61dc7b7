import { ErrorCodes } from '../errors.js';
import type { ColumnsChosen, InputSource } from '../input/read-input.js';
import { ingestWorkerLimits, takeIngestWorkers } from '../worker/ingest-pool.js';
import { roundRobin } from '../worker/round-robin.js';
import { ITEMS_AHEAD, workerScriptExists, workerStream } from '../worker/worker-stream.js';
import type { IngestWorkerData } from './ingest-worker.js';
import type { IngestBatch, NormalizeOptions } from './normalize-rows.js';

const WORKER = new URL('./ingest-worker.js', import.meta.url);

/**
 * Pass 1's batches (see normalizeRows). A file is read and normalized in `threads` worker
 * threads, on the other cores (each normalizes its slices of the rows, see RowShare; the
 * batches come back in input order); streams and iterables, which cannot move to a worker, are
 * read here. Workers the CLI prewarmed (ingest-pool.ts) are used when there are. The worker
 * script exists once compiled; run from TypeScript sources, everything stays in this thread,
 * with the same results.
 */
export function keyBatches(input: InputSource, options: NormalizeOptions, threads = 1): AsyncGenerator<IngestBatch> {
  if (typeof input === 'string' && workerAvailable()) {
    const data: IngestWorkerData = {
      input,
      options: {
        column: options.column,
        countryColumn: options.countryColumn,
        format: options.format,
        country: options.country,
        carryColumns: options.carryColumns,
      },
    };
    const prewarmed = takeIngestWorkers(threads);
    const limits = ingestWorkerLimits(threads);
    // The columns chosen come back as a note, from the first worker (each reads the whole file).
    const onNote = (note: unknown) => options.onColumns?.(note as ColumnsChosen);
    if (threads === 1)
      return workerStream<IngestBatch>(prewarmed[0] ?? WORKER, data, ErrorCodes.INPUT_UNREADABLE, limits, onNote);
    // Several workers share one window of batches ahead (and one young generation's worth of
    // memory): one worker more cost ~250 MB of peak RSS at 2M rows otherwise.
    const shares = Array.from({ length: threads }, (_, index) => ({
      ...data,
      share: { index, of: threads },
      itemsAhead: Math.max(8, Math.floor(ITEMS_AHEAD / threads)),
    }));
    return roundRobin(
      shares.map((share, index) =>
        workerStream<IngestBatch>(
          prewarmed[index] ?? WORKER,
          share,
          ErrorCodes.INPUT_UNREADABLE,
          limits,
          index === 0 ? onNote : undefined,
        ),
      ),
    );
  }
  return normalizedHere(input, options);
}

/**
 * Streams and iterables, read and normalized in this thread. The normalizer (libphonenumber's
 * metadata, the input readers) is loaded on first use: a file job normalizes in its workers, and
 * the job's thread skips ~90 ms of CPU loading it.
 */
async function* normalizedHere(input: InputSource, options: NormalizeOptions): AsyncGenerator<IngestBatch> {
  const { normalizeRows } = await import('./normalize-rows.js');
  yield* normalizeRows(input, options);
}

/** Whether files are read in a worker thread here (true once compiled). */
export function workerAvailable(): boolean {
  return workerScriptExists(WORKER);
}
