import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DURABLE_WRITE, stringSublevel, type Database, type StringSublevel } from '../store/cache-folder.js';
import { buildResultFile } from '../simulator/result-file.js';
import type { ClientTaskRecord, NumberOutcome } from './client-task.js';

/** The numbers of a task that is not exported yet, and their outcomes so far. */
interface OpenTask {
  numbers: readonly string[];
  outcomes: Map<string, NumberOutcome>;
  /** Outcome chunks stored so far: one per delivery that touched the task. */
  chunks: number;
}

type Write = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

const OUTCOME_CODES: Record<NumberOutcome, string> = { yes: 'y', no: 'n', fail: 'f' };
const OUTCOMES_BY_CODE: Record<string, NumberOutcome> = { y: 'yes', n: 'no', f: 'fail' };

/**
 * Client tasks, in sublevels of the cache's LevelDB (synced writes), so a restarted gateway
 * answers the same task ids and finishes them. A task's record is small and stored whole; its
 * numbers are stored once, and each delivery's outcomes as one chunk in the same batch as the
 * record's counters, so a delivery costs what it delivers (one entry per number was five times
 * slower for 200k numbers answered from the cache). Once a task's result file is written, its numbers and
 * outcomes leave memory and the database: the file is their record. Also the index from a
 * number to the tasks waiting for it, through which one upstream answer reaches every client.
 */
export class ClientTaskStore {
  readonly #records = new Map<string, ClientTaskRecord>();
  readonly #open = new Map<string, OpenTask>();
  readonly #waiting = new Map<string, Set<string>>();
  readonly #db: { records: StringSublevel; numbers: StringSublevel; outcomes: StringSublevel };
  readonly #root: Database;
  readonly #resultsDir: string;
  /** Writes run one at a time, in order, so the stored record is always the latest one. */
  #serial: Promise<unknown> = Promise.resolve();

  private constructor(db: Database, resultsDir: string) {
    this.#db = {
      records: stringSublevel(db, 'gateway-tasks'),
      numbers: stringSublevel(db, 'gateway-task-numbers'),
      outcomes: stringSublevel(db, 'gateway-outcomes'),
    };
    this.#root = db;
    this.#resultsDir = resultsDir;
  }

  /** Loads every stored client task, and the numbers and outcomes of those not exported. */
  static async open(db: Database, resultsDir: string): Promise<ClientTaskStore> {
    const store = new ClientTaskStore(db, resultsDir);
    await mkdir(resultsDir, { recursive: true });
    for await (const [, value] of store.#db.records.iterator()) {
      const record = JSON.parse(value) as ClientTaskRecord;
      store.#records.set(record.taskId, record);
      if (record.exportedAt !== undefined) continue;
      const numbers = JSON.parse((await store.#db.numbers.get(record.taskId)) ?? '[]') as string[];
      const outcomes = new Map<string, NumberOutcome>();
      let chunks = 0;
      const range = { gte: `${record.taskId}!`, lt: `${record.taskId}"` };
      for await (const value of store.#db.outcomes.values(range)) {
        chunks++;
        for (const [number, code] of JSON.parse(value) as Array<[string, string]>) {
          outcomes.set(number, OUTCOMES_BY_CODE[code]!);
        }
      }
      store.#open.set(record.taskId, { numbers, outcomes, chunks });
      store.#index(record.taskId);
    }
    return store;
  }

  get(taskId: string): ClientTaskRecord | undefined {
    return this.#records.get(taskId);
  }

  /** Tasks not exported yet, with the numbers they still wait for: to resume after a restart. */
  unfinished(): Array<{ record: ClientTaskRecord; waitingFor: string[] }> {
    return [...this.#open].map(([taskId, task]) => ({
      record: this.#records.get(taskId)!,
      waitingFor: task.numbers.filter((number) => !task.outcomes.has(number)),
    }));
  }

  /** Stores a new task durably (record and numbers) before its id is given out. */
  async add(record: ClientTaskRecord, numbers: readonly string[]): Promise<void> {
    this.#records.set(record.taskId, record);
    this.#open.set(record.taskId, { numbers, outcomes: new Map(), chunks: 0 });
    this.#index(record.taskId);
    await this.#write([this.#recordPut(record), { type: 'put', key: record.taskId, value: JSON.stringify(numbers) }], {
      withNumbers: true,
    });
    if (numbers.length === 0) await this.#complete(record, Date.now());
  }

  /** Marks the tasks waiting for these numbers as started (their numbers went upstream). */
  async markStarted(numbers: Iterable<string>, now: number): Promise<void> {
    const touched = new Set<ClientTaskRecord>();
    for (const number of numbers) {
      for (const taskId of this.#waiting.get(number) ?? []) {
        const record = this.#records.get(taskId)!;
        if (record.startedAt === undefined) touched.add(record);
      }
    }
    for (const record of touched) record.startedAt = now;
    await Promise.all([...touched].map((record) => this.#write([this.#recordPut(record)])));
  }

  /**
   * Gives outcomes to every task waiting for them; completes and exports the tasks they finish.
   * The index is updated before the first await (UpstreamPool relies on it).
   */
  async deliver(outcomes: ReadonlyMap<string, NumberOutcome>, now: number): Promise<void> {
    const chunks = new Map<string, Array<[string, string]>>();
    for (const [number, outcome] of outcomes) {
      const waiting = this.#waiting.get(number);
      if (!waiting) continue;
      this.#waiting.delete(number);
      for (const taskId of waiting) {
        const task = this.#open.get(taskId)!;
        if (task.outcomes.has(number)) continue;
        task.outcomes.set(number, outcome);
        const record = this.#records.get(taskId)!;
        if (outcome === 'fail') record.failed++;
        else record.answered++;
        record.startedAt ??= now;
        const chunk = chunks.get(taskId) ?? [];
        chunk.push([number, OUTCOME_CODES[outcome]]);
        chunks.set(taskId, chunk);
      }
    }
    await Promise.all(
      [...chunks].map(async ([taskId, chunk]) => {
        const record = this.#records.get(taskId)!;
        const task = this.#open.get(taskId)!;
        const key = chunkKey(taskId, task.chunks++);
        await this.#write([this.#recordPut(record)], {
          outcomes: [{ type: 'put', key, value: JSON.stringify(chunk) }],
        });
        if (task.outcomes.size === task.numbers.length) await this.#complete(record, now);
      }),
    );
  }

  /** The result file of an exported task. */
  resultPath(taskId: string): string {
    return join(this.#resultsDir, `${taskId}.xlsx`);
  }

  /** Finishes tasks that were complete but not exported when the gateway stopped. */
  async exportCompleted(now: number): Promise<void> {
    for (const [taskId, task] of [...this.#open]) {
      if (task.outcomes.size === task.numbers.length) await this.#complete(this.#records.get(taskId)!, now);
    }
  }

  /** Waits for every write begun so far. */
  async flush(): Promise<void> {
    await this.#serial;
  }

  #index(taskId: string): void {
    const task = this.#open.get(taskId)!;
    for (const number of task.numbers) {
      if (task.outcomes.has(number)) continue;
      const waiting = this.#waiting.get(number) ?? new Set<string>();
      waiting.add(taskId);
      this.#waiting.set(number, waiting);
    }
  }

  /** `completed`, then the file is written, then `exported`: each step stored before the next. */
  async #complete(record: ClientTaskRecord, now: number): Promise<void> {
    const task = this.#open.get(record.taskId);
    if (!task || record.completedAt !== undefined) return;
    record.startedAt ??= now;
    record.completedAt = now;
    await this.#write([this.#recordPut(record)]);
    await this.#writeResultFile(record, task);
    record.exportedAt = Date.now();
    this.#open.delete(record.taskId);
    // The file is the record of the answers now: the numbers and outcomes go in the same batch.
    await this.#write([this.#recordPut(record), { type: 'del', key: record.taskId }], {
      withNumbers: true,
      outcomes: Array.from(
        { length: task.chunks },
        (_, i) => ({ type: 'del', key: chunkKey(record.taskId, i) }) as const,
      ),
    });
  }

  async #writeResultFile(record: ClientTaskRecord, task: OpenTask): Promise<void> {
    // The simulator's writer spells the provider's columns for each dialect; failures are left
    // out, as at the provider.
    const answers = { answer: (number: string) => task.outcomes.get(number) ?? 'fail', extras: () => ({}) };
    const product = record.dialect === 'v1' ? 'ws' : undefined;
    const bytes = await buildResultFile(record.taskId, task.numbers, answers, {}, product);
    const path = this.resultPath(record.taskId);
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

  #recordPut(record: ClientTaskRecord): Write {
    return { type: 'put', key: record.taskId, value: JSON.stringify(record) };
  }

  /**
   * One atomic, synced batch across the three sublevels: `records` go to the records sublevel,
   * the rest (a task's numbers entry when `withNumbers`, its outcomes) beside them.
   */
  #write(records: Write[], extra: { withNumbers?: boolean; outcomes?: readonly Write[] } = {}): Promise<void> {
    const [record, numbers] = records;
    const write = this.#serial.then(() => {
      const batch = this.#root.batch();
      const add = (operation: Write, sublevel: StringSublevel) => {
        if (operation.type === 'put') batch.put(operation.key, operation.value, { sublevel });
        else batch.del(operation.key, { sublevel });
      };
      add(record!, this.#db.records);
      if (extra.withNumbers && numbers) add(numbers, this.#db.numbers);
      for (const operation of extra.outcomes ?? []) add(operation, this.#db.outcomes);
      return batch.write(DURABLE_WRITE);
    });
    this.#serial = write.catch(() => undefined);
    return write;
  }
}

/** Chunks sort in delivery order under their task: `<task id>!00000007`. */
function chunkKey(taskId: string, index: number): string {
  return `${taskId}!${String(index).padStart(8, '0')}`;
}
