import type { JobState } from './job-state.js';
import type { NumberList, TaskRunner } from './run-tasks.js';

/** The job's tasks, running in the background while pass 2 writes rows out. */
export class Checking {
  readonly #runner: TaskRunner | undefined;
  readonly #result: Promise<void>;
  /** Resolves (never rejects) once the tasks are over. */
  readonly #over: Promise<void>;
  #isOver = false;

  /** Starts checking `numbers` with `runner`; with none (a dry run), there is nothing to run. */
  constructor(runner: TaskRunner | undefined, numbers: NumberList) {
    this.#runner = runner;
    // Checked even when empty: tasks resumed from the journal may leave numbers to try again.
    this.#result = runner ? runner.check(numbers) : Promise.resolve();
    const over = () => {
      this.#isOver = true;
    };
    this.#over = this.#result.then(over, over);
  }

  /** True once no task is left to run: every number has its final state. */
  get isOver(): boolean {
    return this.#isOver;
  }

  /** Resolves when a number is settled or the tasks are over. */
  nextChange(state: JobState): Promise<void> {
    return Promise.race([this.#over, state.nextSettle()]);
  }

  /** Waits for the tasks to end; throws what stopped them (a fatal answer, a failed write). */
  async finished(): Promise<void> {
    await this.#result;
    if (this.#runner?.fatal) throw this.#runner.fatal;
  }
}
