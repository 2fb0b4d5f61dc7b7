import { join } from 'node:path';
import { isWaError } from '../errors.js';
import { keyOfStoredNumber } from './answer-batch.js';
import { ANSWER_LOG_FILE, AnswerLog } from './answer-log.js';
import { CacheFolder, storageError } from './cache-folder.js';
import { LevelResultCache } from './level-result-cache.js';
import { restoreFromLog } from './restore-from-log.js';
import { decodeAnswer } from './result-cache.js';

/** What `verifyCache` found. `ok` when the folder opens, reads through, and both copies of every answer agree. */
export interface CacheVerification {
  path: string;
  ok: boolean;
  /** Why the folder does not open or read through (a WaError's code and message), if it does not. */
  error?: { code: string; message: string } | undefined;
  /** Answers LevelDB holds. */
  answers: number;
  /** Records of the answer log, and how many fail their checksum. */
  logRecords: number;
  logDamagedRecords: number;
  /** Answers the log holds newer than LevelDB, or LevelDB not at all (lost there; deleted ones count too). */
  onlyInLog: number;
  /** LevelDB answers the log lacks or holds older (a log given up on, to be rewritten: not damage). */
  onlyInDatabase: number;
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
 * log on open): that it opens, that every answer reads back, and that LevelDB and the answer log
 * agree. For `wa-check cache verify`.
 */
export async function verifyCache(path: string): Promise<CacheVerification> {
  const report: CacheVerification = {
    path,
    ok: false,
    answers: 0,
    logRecords: 0,
    logDamagedRecords: 0,
    onlyInLog: 0,
    onlyInDatabase: 0,
  };
  const log = await new AnswerLog(join(path, ANSWER_LOG_FILE)).readSound();
  /** Each number's newest answer in the log, as seconds * 2 + yes. */
  const logged = new Map<number, number>();
  for (const batch of log?.batches ?? []) {
    report.logRecords += batch.length;
    for (let i = 0; i < batch.length; i++) {
      const value = batch.checkedAtSeconds[i]! * 2 + batch.yes[i]!;
      if ((logged.get(batch.keys[i]!) ?? -1) <= value) logged.set(batch.keys[i]!, value);
    }
  }
  report.logDamagedRecords = log?.damaged ?? 0;
  report.logRecords += report.logDamagedRecords;
  let folder: CacheFolder | undefined;
  try {
    folder = await CacheFolder.open(path);
    for await (const [number, value] of folder.sublevel('answers').iterator()) {
      const answer = decodeAnswer(value);
      if (!answer) continue;
      report.answers++;
      const key = keyOfStoredNumber(number);
      const inLog = logged.get(key);
      logged.delete(key);
      const inDatabase = Math.floor(answer.checkedAt / 1000) * 2 + (answer.whatsapp === 'yes' ? 1 : 0);
      if (inLog === undefined || inLog < inDatabase) report.onlyInDatabase++;
      else if (inLog > inDatabase) report.onlyInLog++;
    }
    report.onlyInLog += logged.size;
  } catch (failure) {
    const error = storageError(path, failure);
    report.error = { code: error.code, message: error.message };
  } finally {
    await folder?.close();
  }
  report.ok = !report.error && report.logDamagedRecords === 0 && report.onlyInLog === 0;
  return report;
}

/**
 * Mends a damaged cache folder from the two copies every answer has: LevelDB's own repair when
 * the database will not open or read through (a missing CURRENT, a truncated table, a corrupt
 * block), then every answer the log holds and LevelDB lost is put back, and the log is written
 * anew from LevelDB (which drops its damaged records). For `wa-check cache repair`. Answers
 * deleted (pruned) since the log was last rewritten may come back; they are old, and a job does
 * not trust them past its maxAge. Journal entries LevelDB could not read are gone: their tasks'
 * numbers are checked again.
 */
export async function repairCache(path: string): Promise<CacheRepair> {
  let repairedDatabase = false;
  const folder = await openReadable(path).catch(async (error) => {
    if (!isWaError(error, 'WA_CACHE_CORRUPT')) throw error;
    await CacheFolder.repairDatabase(path);
    repairedDatabase = true;
    return openReadable(path);
  });
  const cache = await LevelResultCache.inFolder(folder, {});
  try {
    const log = await new AnswerLog(join(path, ANSWER_LOG_FILE)).readSound();
    const restoredAnswers = cache.restoredAtOpen + (log ? await restoreFromLog(cache, log.batches) : 0);
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
    for await (const _entry of folder.database.iterator({ keys: false })) {
    }
    return folder;
  } catch (error) {
    await folder.close();
    throw storageError(path, error);
  }
}
