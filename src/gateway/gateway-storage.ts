import { Level } from 'level';
import type { Database } from '../store/cache-folder.js';
import { LevelResultCache } from '../store/level-result-cache.js';
import type { ResultCache } from '../store/result-cache.js';
import { ErrorCodes, WaError } from '../errors.js';
import type { TaskJournal } from '../store/task-journal.js';
import { NumberClaims } from '../store/redis/number-claims.js';
import { RedisResultCache } from '../store/redis/redis-result-cache.js';
import { RedisTaskJournal } from '../store/redis/redis-task-journal.js';
import { FleetGate } from './fleet-gate.js';

/** Where the gateway keeps what it knows: answers and the journal, and its own client state. */
export interface GatewayStorage {
  cache: ResultCache;
  journal: TaskJournal;
  /** The gateway's own state (client tasks, usage), always in a local LevelDB folder. */
  db: Database;
  /** With Redis: the fleet's claims on numbers. */
  fleet: FleetGate | undefined;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** The local folder: the whole store without Redis, the gateway's own state with it. */
  stateDir: string;
  /** `redis://...`: answers, claims and the journal shared with a fleet of workers. */
  redisUrl?: string | undefined;
  /** The provider key (the Redis journal keys tasks by a hash of it). */
  apiKey: string;
  maxAgeMs: number;
}

/**
 * Without Redis, one LevelDB folder holds everything, so answers, the record of payments and the
 * client tasks live and die together. With Redis, answers, claims and the journal are the
 * fleet's (src/store/redis), and the folder keeps only this gateway's client tasks and usage.
 */
export async function openStorage(options: StorageOptions): Promise<GatewayStorage> {
  if (!options.redisUrl) {
    const cache = await LevelResultCache.open(options.stateDir);
    return {
      cache,
      journal: cache.journal,
      db: cache.database,
      fleet: undefined,
      close: () => cache.close(),
    };
  }
  const db = new Level<string, string>(options.stateDir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (cause) {
    throw new WaError(
      ErrorCodes.CACHE_LOCKED,
      `The gateway state folder ${options.stateDir} could not be opened (is another gateway using it?).`,
      { cause },
    );
  }
  const opened: Array<{ close(): Promise<void> }> = [db];
  try {
    const url = options.redisUrl;
    const cache = await RedisResultCache.open({ url });
    opened.push(cache);
    const claims = await NumberClaims.open({ url });
    opened.push(claims);
    const journal = await RedisTaskJournal.open({ url, apiKey: options.apiKey, claims });
    opened.push(journal);
    return {
      cache,
      journal,
      db,
      fleet: new FleetGate(claims, cache, journal, options.maxAgeMs),
      close: async () => {
        for (const store of opened.reverse()) await store.close();
      },
    };
  } catch (error) {
    for (const store of opened.reverse()) await store.close().catch(() => undefined);
    throw error;
  }
}
