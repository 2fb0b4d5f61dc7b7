import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DURABLE_WRITE, stringSublevel, type Database, type StringSublevel } from '../cache/level-result-cache.js';
import { buildResultFile } from '../simulator/result-file.js';
import type { ClientTaskRecord, NumberOutcome } from './client-task.js';
import { openNumbers } from './client-task.js';

/**
 * Client tasks, in memory and in their own sublevel of the cache's LevelDB (synced writes), so a
 * restarted gateway answers the same task ids and finishes them. Also the index from a number to
 * the tasks waiting for it, through which one upstream answer reaches every client that asked.
 */
export class ClientTaskStore {
  readonly #tasks = new Map<string, ClientTaskRecord>();
  readonly #waiting = new Map<string, Set<string>>();
  readonly #records: StringSublevel;
  readonly #resultsDir: string;
  /** Writes run one at a time, in order, so the stored record is always the latest one. */
  #serial: Promise<unknown> = Promise.resolve();

  private constructor(db: Database, resultsDir: string) {
    this.#records = stringSublevel(db, 'gateway-tasks');
    this.#resultsDir = resultsDir;
  }

  /** Loads every stored client task. Result files live in `resultsDir`. */
  static async open(db: Database, resultsDir: string): Promise<ClientTaskStore> {
    const store = new ClientTaskStore(db, resultsDir);
    await mkdir(resultsDir, { recursive: true });
    for await (const [, value] of store.#records.iterator()) {
      const task = JSON.parse(value) as ClientTaskRecord;
      store.#tasks.set(task.taskId, task);
      store.#index(task);
    }
    return store;
  }

  get(taskId: string): ClientTaskRecord | undefined {
    return this.#tasks.get(taskId);
  }

  /** Tasks whose numbers are not all answered, or whose file is not written yet: to resume. */
  unfinished(): ClientTaskRecord[] {
    return [...this.#tasks.values()].filter((task) => task.exportedAt === undefined);
  }

  /** Stores a new task durably before its id is given out. */
  async add(task: ClientTaskRecord): Promise<void> {
    this.#tasks.set(task.taskId, task);
    this.#index(task);
    await this.#save(task);
    if (task.numbers.length === 0) await this.#complete(task, Date.now());
  }

  /** Marks the tasks waiting for these numbers as started (their numbers went upstream). */
  async markStarted(numbers: Iterable<string>, now: number): Promise<void> {
    const touched = new Set<ClientTaskRecord>();
    for (const number of numbers) {
      for (const taskId of this.#waiting.get(number) ?? []) {
        const task = this.#tasks.get(taskId)!;
        if (task.startedAt === undefined) touched.add(task);
      }
    }
    for (const task of touched) task.startedAt = now;
    await Promise.all([...touched].map((task) => this.#save(task)));
  }

  /** Gives outcomes to every task waiting for them; completes and exports the tasks they finish. */
  async deliver(outcomes: ReadonlyMap<string, NumberOutcome>, now: number): Promise<void> {
    const touched = new Set<ClientTaskRecord>();
    for (const [number, outcome] of outcomes) {
      const waiting = this.#waiting.get(number);
      if (!waiting) continue;
      for (const taskId of waiting) {
        const task = this.#tasks.get(taskId)!;
        task.outcomes[number] = outcome;
        task.startedAt ??= now;
        touched.add(task);
      }
      this.#waiting.delete(number);
    }
    await Promise.all(
      [...touched].map(async (task) => {
        await this.#save(task);
        if (openNumbers(task).length === 0) await this.#complete(task, now);
      }),
    );
  }

  /** The result file of an exported task. */
  resultPath(taskId: string): string {
    return join(this.#resultsDir, `${taskId}.xlsx`);
  }

  /** Finishes tasks that were complete but not exported when the gateway stopped. */
  async exportCompleted(now: number): Promise<void> {
    for (const task of this.unfinished()) {
      if (openNumbers(task).length === 0) await this.#complete(task, now);
    }
  }

  /** Waits for every write begun so far. */
  async flush(): Promise<void> {
    await this.#serial;
  }

  #index(task: ClientTaskRecord): void {
    for (const number of openNumbers(task)) {
      const waiting = this.#waiting.get(number) ?? new Set<string>();
      waiting.add(task.taskId);
      this.#waiting.set(number, waiting);
    }
  }

  /** `completed`, then the file is written, then `exported`: each step stored before the next. */
  async #complete(task: ClientTaskRecord, now: number): Promise<void> {
    if (task.exportedAt !== undefined) return;
    task.startedAt ??= now;
    task.completedAt ??= now;
    await this.#save(task);
    await this.#writeResultFile(task);
    task.exportedAt = Date.now();
    await this.#save(task);
  }

  async #writeResultFile(task: ClientTaskRecord): Promise<void> {
    // The simulator's writer spells the provider's columns for each dialect; failures are left
    // out, as at the provider.
    const answers = {
      answer: (number: string) => task.outcomes[number] ?? 'fail',
      extras: () => ({}),
    };
    const bytes = await buildResultFile(
      task.taskId,
      task.numbers,
      answers,
      {},
      task.dialect === 'v1' ? 'ws' : undefined,
    );
    const path = this.resultPath(task.taskId);
    const partial = `${path}.partial`;
    const file = await open(partial, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(partial, path);
  }

  #save(task: ClientTaskRecord): Promise<void> {
    const value = JSON.stringify(task);
    const write = this.#serial.then(() =>
      this.#records.batch([{ type: 'put', key: task.taskId, value }], DURABLE_WRITE),
    );
    this.#serial = write.catch(() => undefined);
    return write;
  }
}
