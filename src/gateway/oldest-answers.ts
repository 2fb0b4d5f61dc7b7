import type { ResultCache } from '../store/result-cache.js';

/**
 * The `count` cached numbers whose answers are oldest, oldest first, skipping those `skip` names:
 * the ones whose refresh is worth the most when an upstream task must be filled up to the
 * provider's minimum (`--top-up stale`).
 *
 * This is a full scan of the cache (`entries()`), kept in src/gateway so it can be replaced by an
 * index of answers by age once the store has one. It is acceptable because it is bounded: memory
 * holds at most `count` numbers (below the upstream minimum, a few hundred), and it runs only when
 * the fallback fires, at most once per `poolMaxWaitMs`. Undefined when the cache cannot be read
 * through (no `entries()`): the caller then treats the numbers as if the policy were `none`.
 */
export async function oldestAnswers(
  cache: ResultCache,
  count: number,
  skip: (number: string) => boolean,
): Promise<string[] | undefined> {
  if (!cache.entries) return undefined;
  if (count <= 0) return [];
  // Sorted by age, oldest first; a new entry is kept only if older than the youngest kept.
  const kept: Array<{ number: string; checkedAt: number }> = [];
  for await (const [number, answer] of cache.entries()) {
    if (kept.length === count && answer.checkedAt >= kept[count - 1]!.checkedAt) continue;
    if (skip(number)) continue;
    kept.splice(insertionPoint(kept, answer.checkedAt), 0, { number, checkedAt: answer.checkedAt });
    if (kept.length > count) kept.pop();
  }
  return kept.map((entry) => entry.number);
}

/** The first index whose answer is younger than `checkedAt` (ties keep scan order). */
function insertionPoint(kept: ReadonlyArray<{ checkedAt: number }>, checkedAt: number): number {
  let low = 0;
  let high = kept.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (kept[middle]!.checkedAt <= checkedAt) low = middle + 1;
    else high = middle;
  }
  return low;
}
