import { keyToE164 } from '../dedupe/number-table.js';
import type { CompleteResultCache } from './with-defaults.js';

/**
 * Extra candidates kept beyond what is needed: a number may come more than once in a full read
 * (an older, superseded answer after its current one), so the candidates are checked against
 * the cache's current answers before the oldest are chosen.
 */
const SLACK = 256;

/**
 * The `needed` numbers of the cache whose answers are oldest, among those `eligible` accepts
 * (for a job, numbers outside it; for the gateway, numbers no client is waiting for): the ones
 * whose refresh is worth the most when a task must be filled up to the provider's minimum. One read through the cache, keeping a bounded set of the oldest
 * records (a threshold skips the rest without work); then their current answers are read, so a
 * number answered again since its old record is judged by its newest answer. Fewer than `needed`
 * when the cache holds too few.
 */
export async function oldestCachedNumbers(
  cache: CompleteResultCache,
  eligible: (key: number) => boolean,
  needed: number,
): Promise<string[]> {
  if (needed <= 0) return [];
  const keep = needed * 2 + SLACK;
  let keys: number[] = [];
  let seconds: number[] = [];
  let threshold = Number.POSITIVE_INFINITY;
  const truncate = () => {
    const order = keys.map((_, i) => i).sort((a, b) => seconds[a]! - seconds[b]!);
    const kept = order.slice(0, keep);
    keys = kept.map((i) => keys[i]!);
    seconds = kept.map((i) => seconds[i]!);
    threshold = keys.length >= keep ? seconds[seconds.length - 1]! : Number.POSITIVE_INFINITY;
  };
  for await (const batch of cache.answerBatches()) {
    for (let i = 0; i < batch.length; i++) {
      const at = batch.checkedAtSeconds[i]!;
      if (at >= threshold || !eligible(batch.keys[i]!)) continue;
      keys.push(batch.keys[i]!);
      seconds.push(at);
      if (keys.length >= keep * 2) truncate();
    }
  }
  truncate();
  const numbers = [...new Set(keys)].map(keyToE164);
  const current = await cache.getMany(numbers);
  return numbers
    .map((number, i) => ({ number, checkedAt: current[i]?.checkedAt }))
    .filter((candidate): candidate is { number: string; checkedAt: number } => candidate.checkedAt !== undefined)
    .sort((a, b) => a.checkedAt - b.checkedAt || (a.number < b.number ? -1 : 1))
    .slice(0, needed)
    .map((candidate) => candidate.number);
}
