import type { CheckResult } from '../job/result-block.js';

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
  ];
}
