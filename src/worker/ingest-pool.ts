import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Input workers started before the job is known, so that they load their modules (the input
 * readers, libphonenumber's metadata) while the job's thread loads its own: the CLI starts them
 * first thing (~0.3 s of each thread's start-up overlap instead of adding up). A prewarmed worker
 * waits for its job's data as its first message; unused, it keeps no process alive. This module
 * stays light on purpose: it loads nothing but Node's own modules.
 */
const INGEST_WORKER = new URL('../job/ingest-worker.js', import.meta.url);

/** The workerData of a worker that waits for its job in its first message. */
export const AWAIT_JOB = 'await-job';

/**
 * The input worker makes short-lived strings by the million; a larger young generation lets most
 * die before a scavenge copies them. 10M warm rows: ~17.6 s -> ~16.3 s for ~130 MB more peak RSS
 * (32 MB and 64 MB gained less); see bench/README.md. Several workers share that memory.
 */
export function ingestWorkerLimits(threads: number): ResourceLimits {
  return { maxYoungGenerationSizeMb: Math.max(32, Math.floor(128 / threads)) };
}

/**
 * The job's own thread (dedupe, answers, output) needs a core; past two or three workers it is
 * the bottleneck (measured per thread on 2M CRM-shaped rows, bench/README.md). On 2 cores a
 * second worker only adds its reading of the file to the CPU both share.
 */
export function defaultThreads(): number {
  return Math.min(3, Math.max(1, availableParallelism() - 1));
}

const waiting: Worker[] = [];
let waitingThreads = 0;

/** Starts `threads` input workers that wait for a job (a no-op where the worker script is not compiled). */
export function prewarmIngestWorkers(threads: number): void {
  if (waiting.length > 0 || !existsSync(fileURLToPath(INGEST_WORKER))) return;
  for (let i = 0; i < threads; i++) {
    const worker = new Worker(INGEST_WORKER, { workerData: AWAIT_JOB, resourceLimits: ingestWorkerLimits(threads) });
    worker.unref();
    // A worker that fails before it is taken is simply not taken (see takeIngestWorkers).
    worker.on('error', () => {});
    waiting.push(worker);
  }
  waitingThreads = threads;
}

/**
 * The prewarmed workers for a job of `threads` workers, still running; none when they were
 * started for another count (those are ended). A taken worker stays unreferenced until
 * workerStream sends it its job: one whose stream never starts (another worker failed first)
 * must not keep the process alive.
 */
export function takeIngestWorkers(threads: number): Worker[] {
  const all = waiting.splice(0);
  const usable = waitingThreads === threads && all.every((worker) => worker.threadId !== -1);
  if (!usable) {
    for (const worker of all) void worker.terminate();
    return [];
  }
  return all;
}
