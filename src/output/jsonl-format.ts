import type { CheckResult } from '../job/result-block.js';

/**
 * One result as a JSON line, for programs rather than spreadsheets: values exactly as read (no
 * formula guard), and `whatsapp` as `true`, `false` or `null` (no answer: `reason` says why).
 * A result that carries its input row's cells has them as an object, `fields`.
 */
export function jsonLine(result: CheckResult): string {
  return `${JSON.stringify({
    row: result.row,
    input: result.input,
    number: result.number,
    whatsapp: result.whatsapp === null ? null : result.whatsapp === 'yes',
    source: result.source,
    reason: result.reason,
    duplicate: result.duplicate,
    ...(result.extras && { extras: result.extras }),
    // The input row's own cells, by column name, apart from the result's: no name can collide.
    ...(result.fields && { fields: result.fields }),
  })}\n`;
}
