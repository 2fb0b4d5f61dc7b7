import type { JobProgress } from '../job/progress.js';
import { thousands as count } from './thousands.js';

export interface ProgressLineOptions {
  /** The terminal's width, asked at each redraw (it can be resized). @default process.stderr.columns, else 80 */
  columns?: () => number | undefined;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

interface Part {
  text: string;
  /** Lower goes first when the line is too wide for the terminal. */
  rank: number;
}

/**
 * One status line for a terminal, redrawn in place: phase, rows, tasks with their progress,
 * answers, the provider's rate, elapsed time and an ETA. It never wraps (a wrapped line cannot be
 * redrawn with `\r`): parts that do not fit the terminal's width are left out, least useful first.
 * The ETA counts the export and download that follow processing, learned from finished tasks.
 */
export class ProgressLine {
  readonly #out: NodeJS.WritableStream;
  readonly #columns: () => number | undefined;
  readonly #now: () => number;
  readonly #startedAt: number;
  #samples: Array<{ at: number; done: number }> = [];
  /** When each running task was first seen fully processed (its export and download follow). */
  readonly #processedAt = new Map<string, number>();
  /** Seconds from processed to answered, of tasks seen through. */
  readonly #tails: number[] = [];
  #shown = false;
  #last: JobProgress | undefined;
  #ticker: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WritableStream, options: ProgressLineOptions = {}) {
    this.#out = out;
    this.#columns = options.columns ?? (() => (out as { columns?: number }).columns);
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  update(progress: JobProgress): void {
    this.#last = progress;
    this.#out.write(`\r${this.format(progress)}\x1b[K`);
    this.#shown = true;
    // The job reports when something changes, which can be seconds apart (polling is sparse):
    // the elapsed time and the ETA tick on their own in between.
    this.#ticker ??= setInterval(() => {
      if (this.#last) this.update(this.#last);
    }, 1000).unref();
  }

  /** The line for this progress, as wide as the terminal at most. */
  format(progress: JobProgress): string {
    const now = this.#now();
    const parts: Part[] = [
      { text: progress.phase, rank: 0 },
      { text: `rows ${count(progress.rows)}`, rank: 1 },
    ];
    if (progress.phase !== 'reading') {
      const tasks = progress.tasksRunning;
      const inTasks = tasks.reduce((sum, task) => sum + task.numbers, 0);
      const checked = tasks.reduce((sum, task) => sum + Math.min(task.checked, task.numbers), 0);
      this.#learnTails(progress, now);
      this.#samples.push({ at: now, done: progress.answeredByApi + checked });
      // The rate over the last minute: samples before it go, but for the one that starts it.
      while (this.#samples.length > 2 && this.#samples[1]!.at <= now - 60_000) this.#samples.shift();
      const rate = this.#rate();
      parts.push(
        { text: `tasks ${tasks.length}${inTasks ? ` (${Math.floor((100 * checked) / inTasks)}%)` : ''}`, rank: 3 },
        { text: `answered ${count(progress.answeredByApi)}`, rank: 4 },
      );
      if (rate !== undefined) parts.push({ text: `${count(Math.round(rate))}/s`, rank: 6 });
      parts.push({ text: duration((now - this.#startedAt) / 1000), rank: 5 });
      const eta = this.#eta(progress, checked, rate);
      if (eta) parts.push({ text: `ETA ${eta}`, rank: 2 });
    }
    const wait = progress.waiting;
    if (wait) {
      const until = new Date(wait.until).toTimeString().slice(0, 8);
      // Next in worth to the phase: a long wait must not look like a hang.
      parts.push({ text: `waiting: ${wait.what}${wait.taskId ? ` of ${wait.taskId}` : ''} until ${until}`, rank: 0.5 });
    }
    parts.push(
      { text: `cached ${count(progress.cacheHits)}`, rank: 7 },
      { text: `dup ${count(progress.duplicateRows)}`, rank: 8 },
      { text: `invalid ${count(progress.invalidRows)}`, rank: 9 },
    );
    // A pseudo-terminal without a size says 0 columns.
    return fitToWidth(parts, Math.max(10, (this.#columns() || 80) - 1));
  }

  /** Erases the line, so that other output starts at the left; the next update draws it again. */
  clear(): void {
    if (this.#shown) this.#out.write('\r\x1b[K');
    this.#shown = false;
  }

  /** Clears the line before the final report, and stops redrawing it. */
  done(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#last = undefined;
    this.clear();
  }

  #learnTails(progress: JobProgress, now: number): void {
    const running = new Set<string>();
    for (const task of progress.tasksRunning) {
      running.add(task.taskId);
      if (task.checked >= task.numbers && !this.#processedAt.has(task.taskId)) this.#processedAt.set(task.taskId, now);
    }
    for (const [taskId, at] of this.#processedAt) {
      if (running.has(taskId)) continue;
      this.#processedAt.delete(taskId);
      this.#tails.push((now - at) / 1000);
    }
  }

  #rate(): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.at - first.at < 2000 || last.done <= first.done) return undefined;
    return ((last.done - first.done) * 1000) / (last.at - first.at);
  }

  #eta(progress: JobProgress, checked: number, rate: number | undefined): string | undefined {
    const remaining = Math.max(0, progress.toCheck - checked);
    if (remaining > 0 && rate === undefined) return undefined;
    const processing = remaining > 0 ? remaining / rate! : 0;
    // The export and download of the last tasks come after their processing.
    const tail = this.#tails.length > 0 ? Math.max(...this.#tails.slice(-5)) : undefined;
    // Before any task has been seen through, the export and download time is not known: '+' says so.
    if (tail === undefined)
      return remaining > 0 ? `${duration(processing)}+` : progress.tasksRunning.length > 0 ? 'exporting' : undefined;
    const waited = Math.min(
      ...progress.tasksRunning.map((task) => {
        const at = this.#processedAt.get(task.taskId);
        return at === undefined ? 0 : (this.#now() - at) / 1000;
      }),
    );
    const seconds = processing + Math.max(0, tail - (remaining === 0 && Number.isFinite(waited) ? waited : 0));
    return seconds < 1 && progress.tasksRunning.length > 0 ? 'finishing' : duration(seconds);
  }
}

/** The parts that fit in `width`, best first, shown in their own order. */
function fitToWidth(parts: Part[], width: number): string {
  const separator = ' · ';
  const chosen = new Set<Part>();
  let used = 0;
  for (const part of [...parts].sort((a, b) => a.rank - b.rank)) {
    const cost = part.text.length + (chosen.size > 0 ? separator.length : 0);
    if (used + cost > width) continue;
    chosen.add(part);
    used += cost;
  }
  const line = parts
    .filter((part) => chosen.has(part))
    .map((part) => part.text)
    .join(separator);
  return line.length > 0 ? line : parts[0]!.text.slice(0, width);
}

/** 45s, 3m05s, 2h07m. */
export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
