import { expect, test } from 'vitest';
import type { JournalEntry, TaskJournal } from '../store/task-journal.js';

/** What the suite's factory gives: a new, empty journal, a way to let go of it, and for a durable one a way to open it again. */
export interface OpenedTaskJournal {
  journal: TaskJournal;
  /** Releases what the journal holds (a database handle, a connection). */
  close(): Promise<void>;
  /** Opens the same journal again, after `close()`. Required when `durable` is set. */
  reopen?: () => Promise<OpenedTaskJournal>;
}

export interface TaskJournalContractOptions {
  /**
   * The journal keeps its entries across close and reopen (what makes a job crash-safe); the
   * factory must give `reopen`.
   * @default false
   */
  durable?: boolean;
}

function entry(
  id: string,
  state: JournalEntry['state'],
  numbers: string[],
  extra: Partial<JournalEntry> = {},
): JournalEntry {
  return { id, state, numbers, count: numbers.length, updatedAt: Date.UTC(2026, 10, 1), ...extra };
}

function byId(entries: JournalEntry[]): JournalEntry[] {
  return [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The contract every TaskJournal keeps: the record of what was sent and paid for, read back on
 * resume. Call it inside a vitest file with a factory that makes a new, empty journal each time.
 */
export function taskJournalContract(
  name: string,
  open: () => Promise<OpenedTaskJournal>,
  options: TaskJournalContractOptions = {},
): void {
  test(`${name}: .open() - a new journal has no entries`, async () => {
    const { journal, close } = await open();
    expect(await journal.open()).toEqual([]);
    await close();
  });

  test(`${name}: .write() then .open() - each entry as written, with its provider task id or without`, async () => {
    const { journal, close } = await open();
    const prepared = entry('a1', 'prepared', ['+41791000001', '+41791000002']);
    const submitted = entry('b2', 'submitted', ['+41791000003'], { taskId: 'cs9viu7i61pkfs4oavvg' });
    await journal.write(prepared);
    await journal.write(submitted);
    const found = byId(await journal.open());
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject(prepared);
    expect(found[0]!.taskId).toBeUndefined();
    expect(found[1]).toEqual(submitted);
    await close();
  });

  test(`${name}: .write() then .open() - a rejected result file (resultError) is kept with its entry`, async () => {
    const { journal, close } = await open();
    const rejected = entry('a1', 'submitted', ['+41791000001'], {
      taskId: 'cs9viu7i61pkfs4oavvg',
      resultError: { code: 'WA_RESULT_INVALID', tries: 1, message: 'The result file is not a zip archive.' },
    });
    await journal.write(rejected);
    rejected.resultError!.tries = 2;
    expect(await journal.open()).toEqual([{ ...rejected, resultError: { ...rejected.resultError, tries: 1 } }]);
    await close();
  });

  test(`${name}: .write() - the same id again replaces the entry (prepared -> uploading -> submitted)`, async () => {
    const { journal, close } = await open();
    const numbers = ['+41791000001', '+41791000002'];
    await journal.write(entry('a1', 'prepared', numbers));
    await journal.write(entry('a1', 'uploading', numbers, { updatedAt: Date.UTC(2026, 10, 2) }));
    await journal.write(entry('a1', 'submitted', numbers, { taskId: 'cs9viu7i61pkfs4oavvg' }));
    expect(await journal.open()).toEqual([entry('a1', 'submitted', numbers, { taskId: 'cs9viu7i61pkfs4oavvg' })]);
    await close();
  });

  test(`${name}: .write() - an entry the caller changes afterwards stays as it was written`, async () => {
    const { journal, close } = await open();
    const written = entry('a1', 'unconfirmed', ['+41791000001']);
    await journal.write(written);
    written.numbers.push('+41791000002');
    written.state = 'submitted';
    expect(await journal.open()).toEqual([entry('a1', 'unconfirmed', ['+41791000001'])]);
    await close();
  });

  test(`${name}: .open() - a done task is no longer open; .remove() forgets an entry`, async () => {
    const { journal, close } = await open();
    await journal.write(entry('a1', 'submitted', ['+41791000001'], { taskId: 't1' }));
    await journal.write(entry('b2', 'prepared', ['+41791000002']));
    await journal.write(entry('c3', 'unconfirmed', ['+41791000003']));
    await journal.write(entry('a1', 'done', ['+41791000001'], { taskId: 't1' }));
    await journal.remove('b2');
    await journal.remove('never-written');
    expect(await journal.open()).toEqual([entry('c3', 'unconfirmed', ['+41791000003'])]);
    await close();
  });

  test(`${name}: .write() - concurrent writes of many tasks all land`, async () => {
    const { journal, close } = await open();
    const entries = Array.from({ length: 200 }, (_, i) =>
      entry(`task-${String(i).padStart(3, '0')}`, 'submitted', [`+4179${String(1_000_000 + i).padStart(7, '0')}`], {
        taskId: `t${i}`,
      }),
    );
    await Promise.all(entries.map((written) => journal.write(written)));
    expect(byId(await journal.open())).toEqual(entries);
    await close();
  });

  if (options.durable) {
    test(`${name}: entries survive closing and reopening; removed and done ones stay gone`, async () => {
      const first = await open();
      expect(first.reopen, 'a durable journal needs reopen() in the factory').toBeTypeOf('function');
      const numbers = Array.from({ length: 1000 }, (_, i) => `+4179${String(2_000_000 + i).padStart(7, '0')}`);
      await first.journal.write(entry('a1', 'submitted', numbers, { taskId: 't1' }));
      await first.journal.write(entry('b2', 'uploading', ['+41791000002']));
      await first.journal.write(entry('c3', 'prepared', ['+41791000003']));
      await first.journal.write(entry('d4', 'submitted', ['+41791000004'], { taskId: 't4' }));
      await first.journal.remove('c3');
      await first.journal.write(entry('d4', 'done', ['+41791000004'], { taskId: 't4' }));
      await first.close();
      const again = await first.reopen!();
      const [paid, sent, ...rest] = byId(await again.journal.open());
      expect(paid).toEqual(entry('a1', 'submitted', numbers, { taskId: 't1' }));
      // A create on the wire may have been paid for. A journal shared by a fleet hands the entry
      // of an owner that left back as `unconfirmed`; a job treats both states alike.
      expect(sent).toMatchObject({ id: 'b2', numbers: ['+41791000002'], count: 1 });
      expect(['uploading', 'unconfirmed']).toContain(sent?.state);
      expect(rest).toEqual([]);
      await again.close();
    });
  }
}
