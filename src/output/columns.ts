import type { CheckResult, ResultBlock } from '../job/result-block.js';

/** The output columns, in order. More may be added at the end, never in between. */
export const OUTPUT_COLUMNS = ['row', 'input', 'number', 'whatsapp', 'source', 'reason', 'duplicate'] as const;

/** A result as output cells, text columns guarded against formula injection where needed. */
export function resultCells(result: CheckResult, guard: (text: string) => string): string[] {
  return [
    String(result.row),
    guard(result.input),
    result.number ?? '',
    result.whatsapp ?? '',
    result.source ?? '',
    guard(result.reason ?? ''),
    result.duplicate ? 'true' : 'false',
    ...Object.values(result.extras ?? {}).map(guard),
  ];
}

/**
 * The columns of a batch: the usual ones, then a richer product's extra columns (`ws_active`,
 * `ws_avatar` jobs), which its results carry in `extras`.
 */
export function outputColumnsOf(batch?: ResultBlock | readonly CheckResult[]): string[] {
  const results = batch as readonly CheckResult[] | undefined;
  const extra = Array.isArray(batch)
    ? Object.keys(results?.[0]?.extras ?? {})
    : ((batch as ResultBlock | undefined)?.extraColumns ?? []);
  return [...OUTPUT_COLUMNS, ...extra];
}
