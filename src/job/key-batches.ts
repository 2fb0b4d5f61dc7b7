import { ErrorCodes } from '../errors.js';
import type { ColumnsChosen, InputSource } from '../input/read-input.js';
import { workerScriptExists, workerStream } from '../worker/worker-stream.js';
import type { IngestWorkerData } from './ingest-worker.js';
import { normalizeRows, type IngestBatch, type NormalizeOptions } from './normalize-rows.js';

const WORKER = new URL('./ingest-worker.js', import.meta.url);
/**
 * The input worker makes short-lived strings by the million; a larger young generation lets most
 * die before a scavenge copies them. 10M warm rows: ~17.6 s -> ~16.3 s for ~130 MB more peak RSS
 * (32 MB and 64 MB gained less); see bench/README.md.
 */
const INGEST_WORKER_LIMITS = { maxYoungGenerationSizeMb: 128 };

/**
 * Pass 1's batches (see normalizeRows). A file is read and normalized in a worker
 * thread, on the second core; streams and iterables, which cannot move to a worker, are read
 * here. The worker script exists once compiled; run from TypeScript sources, everything stays
 * in this thread, with the same results.
 */
export function keyBatches(input: InputSource, options: NormalizeOptions): AsyncGenerator<IngestBatch> {
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
    return workerStream<IngestBatch>(WORKER, data, ErrorCodes.INPUT_UNREADABLE, INGEST_WORKER_LIMITS, (note) =>
      options.onColumns?.(note as ColumnsChosen),
    );
  }
  return normalizeRows(input, options);
}

/** Whether files are read in a worker thread here (true once compiled). */
export function workerAvailable(): boolean {
  return workerScriptExists(WORKER);
}
