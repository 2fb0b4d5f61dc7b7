import { ErrorCodes, WaError } from '../errors.js';
import type { TaskLimits } from './products.js';

/**
 * A create answered 400 because the task's row count is outside what the product accepts. It is
 * free; the numbers must go out in a task of another size. `minRows`/`maxRows` are the limits
 * the provider named in its answer, else the known ones (products.ts).
 */
export class TaskSizeError extends WaError {
  readonly rows: number;
  readonly minRows: number;
  readonly maxRows: number;
  /** `'legacy'`, or the v1 product the task was for. */
  readonly product: string;

  constructor(
    code: typeof ErrorCodes.BELOW_MINIMUM | typeof ErrorCodes.ABOVE_MAXIMUM,
    rows: number,
    limits: TaskLimits,
    product: string,
    cause: WaError,
  ) {
    const message =
      code === ErrorCodes.BELOW_MINIMUM
        ? `A task of ${rows} numbers is below the provider's minimum of ${limits.minRows} per task (${product}); nothing was charged. Put at least ${limits.minRows} numbers in a task.`
        : `A task of ${rows} numbers is above the provider's maximum of ${limits.maxRows} per task (${product}); nothing was charged. Split it into smaller tasks.`;
    super(code, message, { cause, status: cause.status, bodyExcerpt: cause.bodyExcerpt });
    this.name = 'TaskSizeError';
    this.rows = rows;
    this.minRows = limits.minRows;
    this.maxRows = limits.maxRows;
    this.product = product;
  }
}

/**
 * Reads a create's 400 as a row-count refusal when it is one: the provider names a minimum or a
 * maximum the task misses, or the task misses the known limits. Any other 400 is left as it is.
 */
export function taskSizeErrorOf(badRequest: WaError, rows: number, known: TaskLimits, product: string): WaError {
  const text = badRequest.bodyExcerpt ?? '';
  const minRows = namedLimit(text, /minimum|at least|min\b/i) ?? known.minRows;
  const maxRows = namedLimit(text, /maximum|at most|max\b/i) ?? known.maxRows;
  if (rows < minRows)
    return new TaskSizeError(ErrorCodes.BELOW_MINIMUM, rows, { minRows, maxRows }, product, badRequest);
  if (rows > maxRows)
    return new TaskSizeError(ErrorCodes.ABOVE_MAXIMUM, rows, { minRows, maxRows }, product, badRequest);
  return badRequest;
}

/** The first whole number after `word` in a provider message, e.g. "minimum of 1,000 rows". */
function namedLimit(text: string, word: RegExp): number | undefined {
  const at = text.search(word);
  if (at < 0) return undefined;
  const digits = /\d[\d,]*/.exec(text.slice(at))?.[0];
  return digits === undefined ? undefined : Number(digits.replaceAll(',', ''));
}
