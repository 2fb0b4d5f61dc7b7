/**
 * What becomes of a client's numbers still below the upstream minimum after the longest wait for
 * company (`--pool-max-wait`):
 * - `stale`: the upstream task is filled up to the minimum with the cached numbers whose answers
 *   are oldest, which are refreshed in the cache; the minimum is paid, nothing is wasted on padding.
 * - `none`: nothing is sent or paid; the numbers are failures of the client's task.
 */
export { TOP_UP_POLICIES, type TopUpPolicy } from '../job/cost-report.js';

/** What the fallback meant for one client, as the usage ledger counts it. */
export interface BelowMinimumCounts {
  /** Its numbers that failed unpaid (`none`, or `stale` with too few cached answers). */
  belowMinimum?: number;
  /** Taken back from `paidUpstream`: those numbers were never sent. */
  paidUpstream?: number;
  /** Its share of the cached answers refreshed to reach the minimum (paid, `stale`). */
  topUp?: number;
}

/**
 * Splits the fallback's effect over the clients whose requests queued the numbers (`payers`, one
 * per number; undefined where unknown, e.g. a number taken over from a fleet worker). With
 * `failed`, each client's numbers failed; with `topUp`, the refreshed numbers are shared in
 * proportion to each client's numbers in the task (largest remainders get the rest).
 */
export function sharesByPayer(
  payers: ReadonlyArray<string | undefined>,
  outcome: { failed: true } | { topUp: number },
): Map<string, BelowMinimumCounts> {
  const counts = new Map<string, number>();
  for (const payer of payers) if (payer !== undefined) counts.set(payer, (counts.get(payer) ?? 0) + 1);
  const shares = new Map<string, BelowMinimumCounts>();
  if ('failed' in outcome) {
    for (const [payer, count] of counts) shares.set(payer, { belowMinimum: count, paidUpstream: -count });
    return shares;
  }
  const total = payers.length;
  const exact = [...counts].map(([payer, count]) => ({ payer, exact: (outcome.topUp * count) / total }));
  let left = exact.length === 0 ? 0 : outcome.topUp;
  for (const { payer, exact: share } of exact) {
    shares.set(payer, { topUp: Math.floor(share) });
    left -= Math.floor(share);
  }
  exact.sort((a, b) => (b.exact % 1) - (a.exact % 1));
  for (let i = 0; left > 0; i = (i + 1) % exact.length, left--) shares.get(exact[i]!.payer)!.topUp! += 1;
  return shares;
}
