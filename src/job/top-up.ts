import { e164ToKey } from '../dedupe/number-table.js';
import { oldestCachedNumbers } from '../store/oldest-answers.js';
import type { CompleteResultCache } from '../store/with-defaults.js';
import { State } from './answer-state.js';
import type { JobState } from './job-state.js';

export type { TopUpReport } from './cost-report.js';
import type { TopUpPolicy, TopUpReport } from './cost-report.js';

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
