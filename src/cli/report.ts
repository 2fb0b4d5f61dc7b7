import type { CheckSummary } from '../job/progress.js';

const count = (value: number) => value.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/**
 * The final report, printed after every job: what was read, saved, paid and left unanswered.
 * Each figure appears once. After a resume, answers can come from tasks an earlier run paid for:
 * they are said to be so, rather than shown as answers of no task paid by nobody.
 */
export function formatReport(summary: CheckSummary): string {
  const fromEarlierRun = Math.max(0, summary.answeredByApi - summary.numbersCharged);
  const share = summary.uniqueNumbers > 0 ? Math.round((100 * summary.cacheHits) / summary.uniqueNumbers) : 0;
  const lines = [
    `Rows read:           ${count(summary.rows)} (${count(summary.invalidRows)} invalid, ${count(summary.duplicateRows)} duplicate: not paid twice)`,
    `Unique numbers:      ${count(summary.uniqueNumbers)}`,
    `From the cache:      ${count(summary.cacheHits)} of ${count(summary.uniqueNumbers)} numbers (${share}%) saved, not paid again`,
    `Answered by the API: ${answeredByApi(summary, fromEarlierRun)}`,
    `Numbers paid for:    ${count(summary.numbersCharged)}${fromEarlierRun > 0 ? ' in this run' : ''}${summary.numbersUnconfirmed ? ` (+${count(summary.numbersUnconfirmed)} unconfirmed, perhaps paid)` : ''}`,
  ];
  if (summary.dryRun) {
    lines.push(
      `Dry run:             would upload ${count(summary.dryRun.numbers)} numbers in ${plural(summary.dryRun.tasks, 'task')}; nothing was paid`,
    );
  }
  // In a dry run, numbers left for the provider are the estimate above, not a shortfall.
  const reasons = Object.entries(summary.unansweredByReason).filter(([reason]) => reason !== 'dry_run');
  const unanswered = reasons.reduce((sum, [, n]) => sum + n, 0);
  if (unanswered > 0) {
    const byReason = reasons.map(([reason, n]) => `${count(n)} ${reason}`);
    lines.push(`Unanswered:          ${count(unanswered)} (${byReason.join(', ')})`);
    if (summary.unansweredByReason.create_unconfirmed) {
      lines.push('  create_unconfirmed: a task was sent but its answer was lost; it may be paid for. Run again with');
      lines.push('  --resubmit-unconfirmed to check those numbers anyway (they may be paid twice).');
    }
    if (summary.unansweredByReason.task_error)
      lines.push('  task_error: run the same command again to collect those tasks; nothing is paid twice.');
    for (const error of summary.taskErrors) lines.push(`  ${error.code}: ${error.message}`);
  }
  lines.push(`Time:                ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

function answeredByApi(summary: CheckSummary, fromEarlierRun: number): string {
  const inTasks = `in ${plural(summary.tasks, 'task')}`;
  if (fromEarlierRun === 0) return `${count(summary.answeredByApi)} ${inTasks}`;
  const earlier = `from tasks an earlier run paid for`;
  if (summary.tasks === 0) return `${count(summary.answeredByApi)} ${earlier}`;
  return `${count(summary.answeredByApi)} (${count(summary.answeredByApi - fromEarlierRun)} ${inTasks} of this run, ${count(fromEarlierRun)} ${earlier})`;
}

/** The summary as JSON for CI and schedulers (`--report-json`): the figures, and where results went. */
export function reportObject(
  summary: CheckSummary,
  extra: { exitCode: number; output: string | null },
): CheckSummary & { exitCode: number; output: string | null; savedShare: number } {
  const savedShare = summary.uniqueNumbers > 0 ? summary.cacheHits / summary.uniqueNumbers : 0;
  return { ...summary, savedShare, ...extra };
}
