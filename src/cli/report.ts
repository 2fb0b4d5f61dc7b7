import type { CheckSummary, JobProgress } from '../job/progress.js';

const count = (value: number) => value.toLocaleString('en-US');

/** The final report, printed after every job: what was read, paid, saved and left unanswered. */
export function formatReport(summary: CheckSummary): string {
  const lines = [
    `Rows read:           ${count(summary.rows)} (${count(summary.invalidRows)} invalid, ${count(summary.duplicateRows)} duplicate)`,
    `Unique numbers:      ${count(summary.uniqueNumbers)}`,
    `From the cache:      ${count(summary.cacheHits)} (not paid again)`,
    `Answered by the API: ${count(summary.answeredByApi)} in ${count(summary.tasks)} task${summary.tasks === 1 ? '' : 's'}`,
    `Numbers paid for:    ${count(summary.numbersCharged)}${summary.numbersUnconfirmed ? ` (+${count(summary.numbersUnconfirmed)} unconfirmed, perhaps paid)` : ''}`,
    `Saved:               ${count(summary.savedByCache)} by the cache, ${count(summary.duplicateRows)} by dedupe`,
  ];
  if (summary.dryRun) {
    lines.push(
      `Dry run:             would upload ${count(summary.dryRun.numbers)} numbers in ${count(summary.dryRun.tasks)} task${summary.dryRun.tasks === 1 ? '' : 's'}; nothing was paid`,
    );
  }
  if (summary.unanswered > 0) {
    const reasons = Object.entries(summary.unansweredByReason).map(([reason, n]) => `${count(n)} ${reason}`);
    lines.push(`Unanswered:          ${count(summary.unanswered)} (${reasons.join(', ')})`);
    if (summary.unansweredByReason.create_unconfirmed) {
      lines.push('  create_unconfirmed: a task was sent but its answer was lost; it may be paid for. Run again with');
      lines.push('  --resubmit-unconfirmed to check those numbers anyway (they may be paid twice).');
    }
    if (summary.unansweredByReason.task_error)
      lines.push('  task_error: run the same command again to collect those tasks; nothing is paid twice.');
    lines.push(...reasonAdvice(summary));
    for (const error of summary.taskErrors) lines.push(`  ${error.code}: ${error.message}`);
  }
  lines.push(`Time:                ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
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

/**
 * One status line for a terminal, redrawn in place: rows read, invalid, duplicates, cache hits,
 * tasks with their progress, numbers answered, and an ETA from the provider's observed rate.
 */
export class ProgressLine {
  readonly #out: NodeJS.WritableStream;
  #samples: Array<{ at: number; done: number }> = [];
  #width = 0;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  update(progress: JobProgress): void {
    const parts = [
      `${progress.phase}`,
      `rows ${count(progress.rows)}`,
      `invalid ${count(progress.invalidRows)}`,
      `dup ${count(progress.duplicateRows)}`,
      `cached ${count(progress.cacheHits)}`,
    ];
    if (progress.phase !== 'reading') {
      const tasks = progress.tasksRunning;
      const inTasks = tasks.reduce((sum, task) => sum + task.numbers, 0);
      const checked = tasks.reduce((sum, task) => sum + Math.min(task.checked, task.numbers), 0);
      const done = progress.answeredByApi + checked;
      this.#samples.push({ at: Date.now(), done });
      this.#samples = this.#samples.filter((sample) => sample.at > Date.now() - 60_000);
      parts.push(
        `tasks ${tasks.length}${inTasks ? ` (${Math.floor((100 * checked) / inTasks)}%)` : ''}`,
        `answered ${count(progress.answeredByApi)}`,
      );
      const eta = this.#eta(progress.toCheck - checked);
      if (eta) parts.push(`ETA ${eta}`);
    }
    const wait = progress.waiting;
    if (wait)
      parts.push(
        `waiting: ${wait.what}${wait.taskId ? ` of ${wait.taskId}` : ''} until ${new Date(wait.until).toTimeString().slice(0, 8)}`,
      );
    const line = parts.join(' · ');
    this.#out.write(`\r${line.padEnd(this.#width)}`);
    this.#width = line.length;
  }

  /** Clears the line before other output. */
  done(): void {
    if (this.#width > 0) this.#out.write(`\r${' '.repeat(this.#width)}\r`);
    this.#width = 0;
  }

  #eta(remaining: number): string | undefined {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.at - first.at < 2000 || last.done <= first.done) return undefined;
    const rate = ((last.done - first.done) * 1000) / (last.at - first.at);
    const seconds = Math.max(0, remaining) / rate;
    return seconds < 90
      ? `${Math.ceil(seconds)}s`
      : seconds < 5400
        ? `${Math.ceil(seconds / 60)}m`
        : `${(seconds / 3600).toFixed(1)}h`;
  }
}
