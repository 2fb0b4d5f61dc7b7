import type { CheckSummary } from '../job/progress.js';
import { thousands as count } from './thousands.js';

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
    lines.push(...reasonAdvice(summary));
    for (const error of summary.taskErrors) lines.push(`  ${error.code}: ${error.message}`);
  }
  for (const line of costLines(summary)) lines.push(line);
  lines.push(`Time:                ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

/** The minimum order, the balance and the notes of a v1 job (see CheckSummary). */
function costLines(summary: CheckSummary): string[] {
  const lines: string[] = [];
  const topUp = summary.topUp;
  if (topUp) {
    const what =
      topUp.applied === 'stale'
        ? `filled to ${count(topUp.minimum)} with the ${count(topUp.refreshed)} oldest cached answers, refreshed`
        : `${count(topUp.numbers)} numbers held back (below_minimum), nothing paid`;
    lines.push(
      `Minimum order:       ${count(topUp.numbers)} to check, minimum ${count(topUp.minimum)}: ${what} (--top-up ${topUp.policy})`,
    );
  }
  if ((summary.refreshed ?? 0) > 0 && !topUp)
    lines.push(
      `Refreshed:           ${count(summary.refreshed ?? 0)} cached answers bought again to reach the minimum`,
    );
  const balance = summary.balance;
  if (balance) {
    const cost = balance.cost === undefined ? '' : `, this run ${balance.cost} ${balance.currency ?? ''}`.trimEnd();
    const daily = balance.dailyLeft === undefined ? '' : `, ${balance.dailyLeft} left today`;
    lines.push(`Balance:             ${balance.available} ${balance.currency ?? ''}${cost}${daily}`);
  }
  if (summary.dryRun?.cost !== undefined) lines.push(`Would cost:          ${summary.dryRun.cost}`);
  for (const note of summary.notes ?? []) lines.push(`Note:                ${note}`);
  return lines;
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

/** What to do about the reasons the provider's refusals and stuck tasks leave. */
function reasonAdvice(summary: CheckSummary): string[] {
  const reasons = summary.unansweredByReason;
  const lines: string[] = [];
  if (reasons.rate_limited) {
    const when = summary.retryAt ?? 'a later time';
    lines.push(`  rate_limited: the provider asked us to come back at ${when}; nothing was sent for those numbers,`);
    lines.push('  nothing paid. Run the same command again after that time.');
  }
  if (reasons.task_stalled) {
    lines.push('  task_stalled: the provider stopped moving those tasks, so this run stopped waiting; they are paid');
    lines.push('  for and kept in the cache folder: run the same command again later to collect them.');
  }
  for (const reason of ['result_invalid', 'result_too_large'] as const) {
    if (!reasons[reason]) continue;
    lines.push(`  ${reason}: the provider's result file was rejected and nothing of it kept. The next run fetches`);
    lines.push('  a fresh link once; a file rejected twice is not downloaded again (those numbers are paid for:');
    lines.push("  ask the provider for the task's results).");
  }
  return lines;
}
