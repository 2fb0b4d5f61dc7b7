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

/** What an input column whose name is taken by a result column is renamed with (repeated until free). */
export const COLLISION_SUFFIX = '_input';

/**
 * The header of an output that carries the input's columns: those first, in order, then the
 * result columns (a richer product's included). An input column named like a result column (`number`, `Reason`: compared
 * without case) gets `_input` added (`number_input`), so that the result columns always keep
 * their names, whatever the input holds.
 */
export function outputHeader(
  sourceColumns: readonly string[] | undefined,
  resultColumns: readonly string[] = OUTPUT_COLUMNS,
): string[] {
  if (!sourceColumns || sourceColumns.length === 0) return [...resultColumns];
  const results = new Set(resultColumns.map((name) => name.toLowerCase()));
  const taken = new Set<string>([...results, ...sourceColumns.map((name) => name.toLowerCase())]);
  const carried = sourceColumns.map((name) => {
    if (!results.has(name.toLowerCase())) return name;
    let renamed = `${name}${COLLISION_SUFFIX}`;
    while (taken.has(renamed.toLowerCase())) renamed += COLLISION_SUFFIX;
    taken.add(renamed.toLowerCase());
    return renamed;
  });
  return [...carried, ...resultColumns];
}

/** A result's carried cells, in the order of `sourceColumns`; empty where it has none. */
export function sourceCells(result: CheckResult, sourceColumns: readonly string[]): string[] {
  const { fields } = result;
  return sourceColumns.map((name) => (fields && Object.hasOwn(fields, name) ? fields[name]! : ''));
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
