import { keyToE164 } from '../dedupe/number-table.js';
import type { AnswerBatch, CachedAnswer, ResultCache } from './result-cache.js';

/** Numbers looked up and put back per trip. */
const CHUNK = 1000;

/**
 * Puts back answers from sound answer-log records (in file order) that the cache lacks or holds
 * in an older form: the log is the second copy of every answer that was paid for, so what
 * LevelDB lost (a damaged write-ahead log, a repaired table, a crash between the log's write and
 * LevelDB's) comes back from it rather than being bought again. Returns how many were put back.
 */
export async function restoreFromLog(cache: ResultCache, batches: Iterable<AnswerBatch>): Promise<number> {
  let restored = 0;
  for (const batch of batches) {
    // Appends never go back in time: within a batch in file order, a number's last record is its newest.
    const newest = new Map<number, number>();
    for (let i = 0; i < batch.length; i++) newest.set(batch.keys[i]!, i);
    const records = [...newest.values()];
    for (let from = 0; from < records.length; from += CHUNK) {
      const chunk = records.slice(from, from + CHUNK);
      const numbers = chunk.map((i) => keyToE164(batch.keys[i]!));
      const stored = await cache.getMany(numbers);
      const missing: Array<[string, CachedAnswer]> = [];
      chunk.forEach((i, j) => {
        const checkedAt = batch.checkedAtSeconds[i]! * 1000;
        if (stored[j] && stored[j].checkedAt >= checkedAt) return;
        missing.push([numbers[j]!, { whatsapp: batch.yes[i] === 1 ? 'yes' : 'no', checkedAt }]);
      });
      await cache.putMany(missing);
      restored += missing.length;
    }
  }
  return restored;
}
