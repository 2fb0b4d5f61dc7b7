import type { ProviderTask, TaskStatus } from './task.js';

export interface PollScheduleOptions {
  /**
   * The shortest wait between two status reads, in ms.
   * @default 2000
   */
  floorMs?: number;
  /**
   * The longest wait between two status reads while nothing is known of the task's progress
   * (pending), in ms. Once its rate is measured, a read may wait up to half its processing time.
   * @default 120_000
   */
  ceilingMs?: number;
  /**
   * Once processing is over, the export is noticed within max(`noticeFloorMs`, 10% of the
   * processing time).
   * @default 5000
   */
  noticeFloorMs?: number;
  /**
   * Numbers the task holds, known from the upload; lets the first read be timed by `expectedRate`.
   */
  expectedTotal?: number;
  /**
   * Numbers per second one task is expected to progress, e.g. learned from earlier tasks.
   * Without it, the first read comes after `floorMs`.
   */
  expectedRate?: number;
  /**
   * How long the export took on earlier tasks, at most, counted from the first read that found
   * processing over. When it is longer than the notice window, the export is read for at half of
   * it and then at all of it, instead of at growing intervals all along.
   */
  expectedExportMs?: number;
}

export interface PollObservation {
  /** When the status was read, in ms. */
  at: number;
  status: TaskStatus;
  total: number;
  /** success + failure */
  done: number;
}

/**
 * Decides when to read a task's status next. Status reads may be charged, so it reads rarely:
 * it measures how fast the task progresses and reads again near the time it should finish,
 * first at half the estimate (while the rate is a guess from one reading), then at the estimate.
 * Waiting in `pending` backs off, and so does a task whose counters stop moving (doubling up to
 * the ceiling); after processing, reads come often enough to notice the export within
 * max(noticeFloor, 10% of the processing time), backing off too once the export has outlasted a
 * few such windows. A pure core: the caller supplies times.
 */
export class PollSchedule {
  readonly #floorMs: number;
  readonly #ceilingMs: number;
  readonly #noticeFloorMs: number;
  readonly #expectedRate: number | undefined;
  readonly #expectedTotal: number | undefined;
  readonly #expectedExportMs: number | undefined;
  #pendingDelayMs: number;
  #exportDelayMs: number;
  #startedAt: number;
  #firstProcessing: { at: number; done: number } | undefined;
  #processingMs: number | undefined;
  #exportWaitStarted = false;
  #exportWaitStartedAt = 0;
  /** The last processing read's count, and the wait since which it has not moved. */
  #lastDone: number | undefined;
  #stillDelayMs: number;
  /** Waits planned from the learned export time, used before the growing ones. */
  #plannedExportDelays: number[] = [];
  #predictedEndAt: number | undefined;

  constructor(options: PollScheduleOptions = {}, createdAt = 0) {
    this.#floorMs = options.floorMs ?? 2000;
    this.#ceilingMs = Math.max(this.#floorMs, options.ceilingMs ?? 120_000);
    this.#noticeFloorMs = options.noticeFloorMs ?? 5000;
    this.#expectedRate = options.expectedRate;
    this.#expectedTotal = options.expectedTotal;
    this.#expectedExportMs = options.expectedExportMs;
    this.#pendingDelayMs = this.#floorMs;
    this.#exportDelayMs = this.#floorMs;
    this.#stillDelayMs = this.#floorMs;
    this.#startedAt = createdAt;
  }

  /**
   * When processing should be over, once the rate has been measured between two reads while
   * processing (not a guess); undefined before.
   */
  get predictedEndAt(): number | undefined {
    return this.#predictedEndAt;
  }

  /** The processing time the rate implies, in ms, once a rate is known. */
  get processingMs(): number | undefined {
    return this.#processingMs;
  }

  /** The wait before the first read, right after the task was created. */
  firstDelay(): number {
    if (this.#expectedRate && this.#expectedTotal) {
      return this.#clamp((0.5 * this.#expectedTotal * 1000) / this.#expectedRate);
    }
    return this.#floorMs;
  }

  /** The wait before the next read, given what the last read showed. */
  nextDelay(observation: PollObservation): number {
    switch (observation.status) {
      case 'pending': {
        // Processing starts after this read at the earliest.
        this.#startedAt = observation.at;
        const delay = this.#pendingDelayMs;
        this.#pendingDelayMs = Math.min(this.#ceilingMs, this.#pendingDelayMs * 2);
        return this.#clamp(delay);
      }
      case 'processing':
        return this.#whileProcessing(observation);
      default: {
        // Processing is over (completed): wait for the export, reading at growing intervals
        // that start at an eighth of the notice window and never exceed it.
        const window = this.#noticeWindow();
        if (!this.#exportWaitStarted) {
          this.#exportWaitStarted = true;
          this.#exportWaitStartedAt = observation.at;
          this.#exportDelayMs = Math.max(this.#floorMs, window / 8);
          // A long export that earlier tasks measured: growing reads would spend many reads on
          // it. Half of it first (an export that got shorter is found, and learned, there).
          const expected = this.#expectedExportMs;
          if (expected !== undefined && expected > window) this.#plannedExportDelays = [expected / 2, expected / 2];
        }
        const planned = this.#plannedExportDelays.shift();
        if (planned !== undefined) return Math.max(this.#floorMs, planned);
        // An export that outlasts four windows is late, not about to end: the reads that would
        // notice it soon cost more than noticing it a little later, so they grow to the ceiling.
        const late = observation.at - this.#exportWaitStartedAt > 4 * window;
        const delay = Math.min(late ? Math.max(window, this.#ceilingMs) : window, this.#exportDelayMs);
        this.#exportDelayMs *= 1.5;
        return Math.max(Math.min(this.#floorMs, window), delay);
      }
    }
  }

  #whileProcessing(observation: PollObservation): number {
    const planned = this.#timeProcessing(observation);
    const still = observation.done === this.#lastDone;
    this.#lastDone = observation.done;
    if (!still) {
      this.#stillDelayMs = this.#floorMs;
      return planned;
    }
    // Counters that did not move since the last read: no rate to time the next read by, and a
    // stuck task must not be read at the floor for ever. Back off, doubling up to the ceiling.
    const delay = this.#stillDelayMs * 2;
    this.#stillDelayMs = Math.min(this.#ceilingMs, delay);
    return Math.max(planned, Math.min(this.#ceilingMs, delay));
  }

  #timeProcessing({ at, done, total }: PollObservation): number {
    const first = this.#firstProcessing;
    let rate: number | undefined;
    let measured = false;
    if (first && done > first.done && at > first.at) {
      rate = ((done - first.done) * 1000) / (at - first.at);
      measured = true;
    } else if (!first) {
      this.#firstProcessing = { at, done };
      // One reading: processing began at the last pending read (or creation) at the earliest,
      // so this rate is a lower bound; hence reading again at half the remaining time. A rate
      // learned from earlier tasks is a lower bound too: the larger of the two is the better.
      if (done > 0 && at > this.#startedAt) rate = (done * 1000) / (at - this.#startedAt);
      if (this.#expectedRate) rate = Math.max(rate ?? 0, this.#expectedRate);
    }
    rate ??= this.#expectedRate;
    if (!rate) return this.#floorMs;
    this.#processingMs = (total * 1000) / rate;
    const remainingMs = (Math.max(0, total - done) * 1000) / rate;
    if (measured) this.#predictedEndAt = at + remainingMs;
    // Aim just past the predicted end, so the read finds the task finished. The ceiling bounds
    // waits in the dark (pending); a measured task may wait up to half its processing time.
    let delay = measured ? remainingMs * 1.01 + 10 : remainingMs * 0.5;
    if (!first) {
      // A first reading just after processing began (a few numbers done) says little of the
      // rate: look again within four times the time it covered.
      delay = Math.min(delay, Math.max(this.#floorMs, 4 * (at - this.#startedAt)));
    }
    return Math.min(Math.max(this.#ceilingMs, this.#processingMs / 2), Math.max(this.#floorMs, delay));
  }

  #noticeWindow(): number {
    return Math.max(this.#noticeFloorMs, 0.1 * (this.#processingMs ?? 0));
  }

  #clamp(ms: number): number {
    return Math.min(this.#ceilingMs, Math.max(this.#floorMs, ms));
  }
}

/**
 * Where a task stands, for timing reads. v1 lists no `completed`: its export step reads
 * `processing` with every number done, which is processing over all the same; read as
 * processing, it would be polled at the floor for the whole export.
 */
export function phaseOf(task: ProviderTask): TaskStatus {
  const done = task.success + task.failure;
  return task.status === 'processing' && task.total > 0 && done >= task.total ? 'completed' : task.status;
}
