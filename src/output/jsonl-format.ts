import type { CheckResult } from '../job/result-block.js';

/**
 * One result as a JSON line, for programs rather than spreadsheets: values exactly as read (no
 * formula guard), and `whatsapp` as `true`, `false` or `null` (no answer: `reason` says why).
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
  })}\n`;
}
