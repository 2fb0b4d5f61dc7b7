import { join } from 'node:path';
import { keyToE164 } from '../dedupe/number-table.js';
import { isWaError } from '../errors.js';
import { ANSWER_LOG_FILE, AnswerLog, DROPPED_MARKER, LOG_MARKER_KEY } from './answer-log.js';
import { CacheFolder, storageError } from './cache-folder.js';
import { LevelResultCache } from './level-result-cache.js';
import { restoreFromLog } from './restore-from-log.js';
import { decodeAnswer } from './result-cache.js';

/** Numbers looked up per trip when the log is checked against LevelDB. */
const CHUNK = 1000;

/** What `verifyCache` found. `ok` when the folder opens and reads through, and no answer the log holds is missing from LevelDB. */
export interface CacheVerification {
  path: string;
  ok: boolean;
  /** Why the folder does not open or read through (a WaError's code and message), if it does not. */
  error?: { code: string; message: string } | undefined;
  /** Answers LevelDB holds. */
  answers: number;
  /** Records of the answer log, and how many fail their checksum (never served; a read then uses LevelDB). */
  logRecords: number;
  logDamagedRecords: number;
  /**
   * Log records whose answer LevelDB lacks or holds older: answers LevelDB lost (`repairCache`
   * puts them back). Not counted for a log given up on purpose (after a delete), whose records
   * include deleted answers.
   */
  lostFromDatabase: number;
}

/** What `repairCache` did. */
export interface CacheRepair {
  path: string;
  /** LevelDB's own repair had to run (the folder would not open or read through). */
  repairedDatabase: boolean;
  /** Answers put back into LevelDB from the answer log. */
  restoredAnswers: number;
  /** Log records that failed their checksum (their answers come from LevelDB). */
  logDamagedRecords: number;
  /** Tasks still open in the journal after the repair (collected by the next job). */
  openTasks: number;
}

/**
 * Checks a cache folder without changing its answers (LevelDB may still replay its write-ahead
 * log on open): that it opens, that every answer reads back, and that every answer of the log is
 * in LevelDB. In bounded memory: the log is looked up in LevelDB a chunk at a time. For
 * `wa-check cache verify`.
 */
export async function verifyCache(path: string): Promise<CacheVerification> {
  const report: CacheVerification = {
    path,
    ok: false,
    answers: 0,
    logRecords: 0,
    logDamagedRecords: 0,
    lostFromDatabase: 0,
  };
  let folder: CacheFolder | undefined;
  try {
    folder = await CacheFolder.open(path);
    const answers = folder.sublevel('answers');
    for await (const value of answers.values()) if (decodeAnswer(value)) report.answers++;
    const log = await new AnswerLog(join(path, ANSWER_LOG_FILE)).readSound();
    const logGivenUp = (await folder.sublevel('meta').get(LOG_MARKER_KEY)) === DROPPED_MARKER;
    for (const batch of log?.batches ?? []) {
      report.logRecords += batch.length;
      if (logGivenUp) continue;
      for (let from = 0; from < batch.length; from += CHUNK) {
        const to = Math.min(batch.length, from + CHUNK);
        const numbers = Array.from({ length: to - from }, (_, i) => keyToE164(batch.keys[from + i]!));
        const stored = await answers.getMany(numbers);
        stored.forEach((value, i) => {
          const answer = decodeAnswer(value);
          if (!answer || answer.checkedAt < batch.checkedAtSeconds[from + i]! * 1000) report.lostFromDatabase++;
        });
      }
    }
    report.logDamagedRecords = log?.damaged ?? 0;
    report.logRecords += report.logDamagedRecords;
  } catch (failure) {
    const error = storageError(path, failure);
    report.error = { code: error.code, message: error.message };
  } finally {
    await folder?.close();
  }
  report.ok = !report.error && report.logDamagedRecords === 0 && report.lostFromDatabase === 0;
  return report;
}

/**
 * Mends a damaged cache folder from the two copies every answer has: LevelDB's own repair when
 * the database will not open or read through (a missing CURRENT, a truncated table, a corrupt
 * block), then every answer the log holds and LevelDB lost is put back, and the log is written
 * anew from LevelDB (which leaves its damaged records out). For `wa-check cache repair`.
 * A log given up by a delete is used only when LevelDB itself needed repair: then answers
 * deleted (pruned) since may come back; they are old, and a job does not trust them past its
 * maxAge. Journal entries LevelDB could not read are gone: their tasks' numbers are checked again.
 */
export async function repairCache(path: string): Promise<CacheRepair> {
  let repairedDatabase = false;
  const folder = await openReadable(path).catch(async (error) => {
    if (!isWaError(error, 'WA_CACHE_CORRUPT')) throw error;
    await CacheFolder.repairDatabase(path);
    repairedDatabase = true;
    return openReadable(path);
  });
  const logGivenUp = (await folder.sublevel('meta').get(LOG_MARKER_KEY)) === DROPPED_MARKER;
  const cache = await LevelResultCache.inFolder(folder, {});
  try {
    const log = await new AnswerLog(join(path, ANSWER_LOG_FILE)).readSound();
    let restoredAnswers = cache.restoredAtOpen;
    if (log && (repairedDatabase || !logGivenUp)) restoredAnswers += await restoreFromLog(cache, log.batches);
    await cache.rewriteLog();
    await folder.clearDamaged();
    const openTasks = (await cache.journal.open()).length;
    return { path, repairedDatabase, restoredAnswers, logDamagedRecords: log?.damaged ?? 0, openTasks };
  } finally {
    await cache.close();
  }
}

/** The folder opened for repair, once every record of it reads back; otherwise WA_CACHE_CORRUPT. */
async function openReadable(path: string): Promise<CacheFolder> {
  const folder = await CacheFolder.open(path, { repairing: true });
  try {
    for await (const _value of folder.database.values()) {
    }
    return folder;
  } catch (error) {
    await folder.close();
    throw storageError(path, error);
  }
}
