import { LevelResultCache } from '../store/level-result-cache.js';
import { MemoryResultCache } from '../store/memory-result-cache.js';
import { checkJournalEntry } from '../store/journal-entry.js';
import { MemoryTaskJournal, type TaskJournal } from '../store/task-journal.js';
import { type CompleteResultCache, withDefaults } from '../store/with-defaults.js';
import { State } from './answer-state.js';
import type { JobState } from './job-state.js';
import type { ResolvedCheckOptions } from './options.js';
import type { TaskRunner } from './run-tasks.js';
import { type Fleet, openFleet } from './fleet.js';

/** Where a job finds its answers and records what it pays for. */
export interface JobStores {
  cache: CompleteResultCache;
  journal: TaskJournal;
  /** With the `redis` option: the claims and slots shared with the other workers. */
  fleet?: Fleet | undefined;
  /** Closes what the job opened itself (a `cacheDir`), not a cache the caller passed. */
  close(): Promise<void>;
}

/** The caller's cache and journal, or a LevelDB folder (`cacheDir`), or both in memory. */
export async function openStores(options: ResolvedCheckOptions): Promise<JobStores> {
  if (options.redis) return openFleet(options.redis, options);
  if (options.cache) {
    return {
      cache: withDefaults(options.cache),
      journal: options.journal ?? new MemoryTaskJournal(),
      close: async () => {},
    };
  }
  if (options.cacheDir) {
    const cache = await LevelResultCache.open(options.cacheDir);
    return { cache, journal: cache.journal, close: () => cache.close() };
  }
  return { cache: new MemoryResultCache(), journal: options.journal ?? new MemoryTaskJournal(), close: async () => {} };
}

/**
 * Reads what earlier runs left in the journal: submitted tasks are collected (never uploaded
 * again), unconfirmed ones hold their numbers back unless the user asked to resubmit them, and
 * prepared ones, never sent, are forgotten: their numbers are planned again. Without a runner (a
 * dry run) the journal is only read.
 */
export async function resumeJournal(
  journal: TaskJournal,
  state: JobState,
  runner: TaskRunner | undefined,
  resubmitUnconfirmed: boolean,
): Promise<void> {
  for (const [index, found] of (await journal.open()).entries()) {
    // A journal of the caller's own may hand back anything: check it as the built-in ones do.
    const entry = checkJournalEntry(found, `#${index + 1} of those the task journal opened`);
    if (entry.state === 'prepared') {
      if (runner) await journal.remove(entry.id);
    } else if (entry.state === 'submitted' && entry.taskId) {
      for (const number of entry.numbers) state.holdForJournal(number, State.IN_FLIGHT);
      runner?.resume(entry);
    } else if (entry.state === 'uploading' || entry.state === 'unconfirmed') {
      if (resubmitUnconfirmed && runner) await journal.remove(entry.id);
      else for (const number of entry.numbers) state.holdForJournal(number, State.CREATE_UNCONFIRMED);
    }
  }
}
