import { e164ToKey, keyToE164 } from '../dedupe/number-table.js';
import type { CompleteResultCache } from '../store/with-defaults.js';
import { State } from './answer-state.js';
import type { JobState } from './job-state.js';

export type { TopUpReport } from './cost-report.js';
import type { TopUpPolicy, TopUpReport } from './cost-report.js';

/**
 * Extra candidates kept beyond what is needed: a number may come more than once in a full read
 * (an older, superseded answer after its current one), so the candidates are checked against
 * the cache's current answers before the oldest are chosen.
 */
const SLACK = 256;

/**
 * The `needed` numbers of the cache whose answers are oldest, among those `eligible` accepts
 * (numbers outside the job). One read through the cache, keeping a bounded set of the oldest
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

/** The plan after the minimum order: what to upload, and which of it are stale top-up numbers. */
export interface MinimumOrder {
  numbers: Float64Array;
  topUps: string[];
  report: TopUpReport | undefined;
}

/**
 * Applies the minimum order to the plan: enough numbers (or none) go on as they are; fewer than
 * `minimum` are filled up with the cache's oldest answers (`'stale'`), or held back as
 * `below_minimum` (`'none'`, or a cache too small to fill the task).
 */
export async function applyMinimumOrder(
  planned: Float64Array,
  minimum: number,
  policy: TopUpPolicy,
  cache: CompleteResultCache,
  state: JobState,
): Promise<MinimumOrder> {
  const count = planned.length;
  if (count === 0 || count >= minimum) return { numbers: planned, topUps: [], report: undefined };
  const report: TopUpReport = { policy, applied: policy, minimum, numbers: count, refreshed: 0 };
  if (policy === 'stale') {
    const needed = minimum - count;
    const topUps = await oldestCachedNumbers(cache, (key) => state.isOutsideJob(key), needed);
    if (topUps.length === needed) {
      const numbers = new Float64Array(minimum);
      numbers.set(planned);
      for (let i = 0; i < topUps.length; i++) numbers[count + i] = e164ToKey(topUps[i]!);
      return { numbers, topUps, report: { ...report, refreshed: needed } };
    }
    report.applied = 'none';
    report.note = `The cache holds ${topUps.length} answers to refresh, ${needed} were needed to reach the minimum of ${minimum}: nothing was sent (top-up falls back to none).`;
  }
  state.holdBack(planned, State.BELOW_MINIMUM);
  return { numbers: new Float64Array(0), topUps: [], report };
}
