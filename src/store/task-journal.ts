import { createHash } from 'node:crypto';
import { ErrorCodes, WaError } from '../errors.js';
import { checkEntryToWrite, checkJournalEntry, type JournalEntry } from './journal-entry.js';
import { DURABLE_WRITE, storageError, stringSublevel, type Database, type StringSublevel } from './cache-folder.js';

export type { JournalEntry, JournalState, ResultError } from './journal-entry.js';

/** The durable record of what was sent and paid for. Every write is synced before it resolves. */
export interface TaskJournal {
  write(entry: JournalEntry): Promise<void>;
  remove(id: string): Promise<void>;
  /** Every entry that is not `done`. */
  open(): Promise<JournalEntry[]>;
}

export function taskKey(numbers: readonly string[]): string {
  const hash = createHash('sha256');
  for (const number of [...numbers].sort()) hash.update(`${number}\n`);
  return hash.digest('hex').slice(0, 24);
}

/** Runs a write after the writes queued before it (the cache folder's one write queue). */
export type SerialWrites = <T>(write: () => Promise<T>) => Promise<T>;

/**
 * The journal in the cache's own LevelDB folder, so answers and the record of payments agree.
 * A LevelResultCache makes its folder's (`cache.journal`), on the folder's write queue.
 */
export class LevelTaskJournal implements TaskJournal {
  readonly #entries: StringSublevel;
  readonly #serially: SerialWrites;
  readonly #path: string;

  constructor(database: Database, serially: SerialWrites = (write) => write()) {
    this.#entries = stringSublevel(database, 'journal');
    this.#serially = serially;
    this.#path = database.location;
  }

  async write(entry: JournalEntry): Promise<void> {
    checkEntryToWrite(entry);
    const stored = entry.state === 'done' ? { ...entry, numbers: [] } : entry;
    await this.#durably(() =>
      this.#entries.batch([{ type: 'put', key: entry.id, value: JSON.stringify(stored) }], DURABLE_WRITE),
    );
  }

  async remove(id: string): Promise<void> {
    await this.#durably(() => this.#entries.batch([{ type: 'del', key: id }], DURABLE_WRITE));
  }

  /** A write, synced before it resolves, its LevelDB errors as WaErrors that name their cause. */
  async #durably(write: () => Promise<void>): Promise<void> {
    await this.#serially(write).catch((error) => {
      throw storageError(this.#path, error);
    });
  }

  async open(): Promise<JournalEntry[]> {
    try {
      return await this.#readOpen();
    } catch (error) {
      throw storageError(this.#path, error);
    }
  }

  async #readOpen(): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    for await (const [key, value] of this.#entries.iterator()) {
      let entry: JournalEntry;
      try {
        entry = checkJournalEntry(JSON.parse(value), key);
      } catch (cause) {
        if (cause instanceof WaError) throw cause;
        throw new WaError(
          ErrorCodes.CACHE_CORRUPT,
          `The task journal entry ${key} is damaged. The journal is the record of what was paid for, so it is not reset automatically; move the cache folder aside to start afresh.`,
          { cause },
        );
      }
      if (entry.state !== 'done') entries.push(entry);
    }
    return entries;
  }
}

/** A journal for caches that have no folder: it protects one process's job, not a crash. */
export class MemoryTaskJournal implements TaskJournal {
  readonly #entries = new Map<string, JournalEntry>();

  async write(entry: JournalEntry): Promise<void> {
    checkEntryToWrite(entry);
    // A deep copy: the caller may change its entry (and its resultError) afterwards.
    this.#entries.set(entry.id, structuredClone({ ...entry, numbers: entry.state === 'done' ? [] : entry.numbers }));
  }

  async remove(id: string): Promise<void> {
    this.#entries.delete(id);
  }

  async open(): Promise<JournalEntry[]> {
    return [...this.#entries]
      .map(([id, entry]) => structuredClone(checkJournalEntry(entry, id)))
      .filter((entry) => entry.state !== 'done');
  }
}
