// The job's reports on money: plain types, imported by the stages and the summary alike.

/** What to do with fewer numbers to check than a task's minimum (see `CheckOptions.topUp`). */
export const TOP_UP_POLICIES = ['stale', 'none'] as const;
export type TopUpPolicy = (typeof TOP_UP_POLICIES)[number];

/** What the minimum order did to this job (see `CheckOptions.topUp`). */
export interface TopUpReport {
  /** The policy asked for. */
  policy: TopUpPolicy;
  /** What happened: `'stale'` filled a task with old answers, `'none'` held the numbers back. */
  applied: TopUpPolicy;
  /** The provider's minimum rows per task. */
  minimum: number;
  /** The job's numbers that were fewer than the minimum. */
  numbers: number;
  /** Cached numbers added to reach the minimum, their answers bought again. */
  refreshed: number;
  /** Why `applied` differs from `policy`, when it does. */
  note?: string;
}

/** What the balance read before the first create said, for the summary. */
export interface BalanceReport {
  /** Money on the account (plus `credit` where the answer has one). */
  available: number;
  currency?: string;
  /** What the upload costs at `pricePerNumber`; absent without a price. */
  cost?: number;
  /** What the day's limit still lets this account spend, where the answer tells. */
  dailyLeft?: number;
  /** Numbers this run may upload: all of them, or fewer under the daily limit. */
  allowed: number;
}
