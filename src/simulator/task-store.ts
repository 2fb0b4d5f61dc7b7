import { newTaskId } from './provider-format.js';
import type { Oracle } from './oracle.js';
import type { PriceKey } from './options.js';

export type SimulatedStatus = 'pending' | 'processing' | 'completed' | 'exported' | 'failed';

/** What a create says about its task beyond its numbers. */
export interface TaskDetails {
  /** The API that created it, which decides how it is spelled in answers. */
  dialect: 'legacy' | 'v1';
  /** `legacy`, or the v1 product (`task_type`). */
  kind: PriceKey;
  /** Empty when a v1 create gave none. */
  userId: string;
  /** What the task was charged, in millionths. */
  amountMicros: number;
  /** Set when the task is to end `failed`: the provider's reason. */
  failMessage?: string | undefined;
}

export interface SimulatedTask extends TaskDetails {
  taskId: string;
  apiKey: string;
  numbers: readonly string[];
  createdAt: number;
  /** When processing starts: when a slot of this key frees up (FIFO per key). */
  startAt: number;
  completeAt: number;
  exportAt: number;
  failedCount: number;
}

export interface TaskView {
  status: SimulatedStatus;
  total: number;
  success: number;
  failure: number;
  updatedAt: number;
}

export interface TaskTiming {
  numbersPerSecond: number;
  slotsPerKey: number;
  queueDelayMs: number;
  exportDelayMs: number;
  counterDrift: number;
}

/**
 * Tasks and their schedule. Processing is FIFO per key with a fixed number of slots and a fixed
 * rate, so each task's start, completion and export times are known when it is created, and a
 * status read just computes where the task stands at that moment: no timers to leak or drift.
 */
export class TaskStore {
  readonly #tasks = new Map<string, SimulatedTask>();
  readonly #slotFreeAt = new Map<string, number[]>();
  readonly #timing: TaskTiming;
  readonly #oracle: Oracle;

  constructor(timing: TaskTiming, oracle: Oracle) {
    this.#timing = timing;
    this.#oracle = oracle;
  }

  create(apiKey: string, numbers: readonly string[], now: number, details: TaskDetails): SimulatedTask {
    const slots = this.#slotsOf(apiKey);
    let slot = 0;
    for (let i = 1; i < slots.length; i++) if (slots[i]! < slots[slot]!) slot = i;
    const startAt = Math.max(now + this.#timing.queueDelayMs, slots[slot]!);
    const completeAt = startAt + (numbers.length / this.#timing.numbersPerSecond) * 1000;
    slots[slot] = completeAt;
    let failedCount = 0;
    for (const number of numbers) if (this.#oracle.answer(number) === 'fail') failedCount++;
    const task: SimulatedTask = {
      ...details,
      taskId: newTaskId(now),
      apiKey,
      numbers,
      createdAt: now,
      startAt,
      completeAt,
      exportAt: completeAt + this.#timing.exportDelayMs,
      failedCount,
    };
    this.#tasks.set(task.taskId, task);
    return task;
  }

  get(taskId: string): SimulatedTask | undefined {
    return this.#tasks.get(taskId);
  }

  view(task: SimulatedTask, now: number): TaskView {
    const total = task.numbers.length;
    if (now < task.startAt) return { status: 'pending', total: 0, success: 0, failure: 0, updatedAt: task.createdAt };
    if (now < task.completeAt) {
      const done = Math.min(total, Math.floor(((now - task.startAt) / 1000) * this.#timing.numbersPerSecond));
      // Failures are spread evenly over the run, so both counters grow together.
      const failure = Math.round((done * task.failedCount) / total);
      return { status: 'processing', total, success: done - failure, failure, updatedAt: now };
    }
    const endsFailed = task.failMessage !== undefined;
    const failure = endsFailed ? total : task.failedCount;
    const success = endsFailed ? 0 : total - failure + this.#timing.counterDrift;
    if (endsFailed) return { status: 'failed', total, success, failure, updatedAt: task.completeAt };
    if (now < task.exportAt) {
      // v1 lists no `completed`: its export step still reads `processing`, every number done.
      const status = task.dialect === 'v1' ? 'processing' : 'completed';
      return { status, total, success, failure, updatedAt: task.completeAt };
    }
    return { status: 'exported', total, success, failure, updatedAt: task.exportAt };
  }

  #slotsOf(apiKey: string): number[] {
    let slots = this.#slotFreeAt.get(apiKey);
    if (!slots) {
      slots = new Array<number>(this.#timing.slotsPerKey).fill(0);
      this.#slotFreeAt.set(apiKey, slots);
    }
    return slots;
  }
}
