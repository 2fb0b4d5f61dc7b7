import { checkNonNegativeNumber } from '../validate.js';

/** The API dialects the client speaks: the legacy simple-task API, and the current v1 API. */
export type ApiDialectName = 'legacy' | 'v1';
export const API_DIALECTS: readonly ApiDialectName[] = ['legacy', 'v1'];

/** The v1 API's products (`task_type`): registered or not, activity, profile signals. */
export type Product = 'ws' | 'ws_active' | 'ws_avatar';
export const PRODUCTS: readonly Product[] = ['ws', 'ws_active', 'ws_avatar'];

/** Rows one task may hold. A task outside them is answered 400 and not charged. */
export interface TaskLimits {
  minRows: number;
  maxRows: number;
}

/** The largest task of every product (api-contract.md, "Current API (v1)"). */
export const MAX_TASK_ROWS = 10_000_000;

/** Each product's limits per task and the columns its result file adds to `number`, `activated`. */
export const PRODUCT_SPECS: Readonly<Record<Product, TaskLimits & { extraColumns: readonly string[] }>> = {
  ws: { minRows: 500, maxRows: MAX_TASK_ROWS, extraColumns: [] },
  ws_active: { minRows: 1000, maxRows: MAX_TASK_ROWS, extraColumns: ['activetime', 'activedays', 'business'] },
  ws_avatar: {
    minRows: 500,
    maxRows: MAX_TASK_ROWS,
    extraColumns: ['age', 'avatar', 'category', 'gender', 'hair_color', 'skin_color'],
  },
};

/**
 * The legacy API's minimum order is published (2,000 numbers) but not enforced by every
 * deployment, so it is the caller's to set; none by default.
 */
export const LEGACY_DEFAULT_MIN_ROWS = 0;

/** The limits a task must fit for a dialect and product; the one place the planner asks. */
export function taskLimits(api: ApiDialectName, product: Product = 'ws', legacyMinRows?: number): TaskLimits {
  if (api === 'legacy') {
    const minRows = checkNonNegativeNumber('legacyMinRows', legacyMinRows ?? LEGACY_DEFAULT_MIN_ROWS);
    return { minRows, maxRows: MAX_TASK_ROWS };
  }
  const { minRows, maxRows } = PRODUCT_SPECS[product];
  return { minRows, maxRows };
}
