import type { JobState } from './job-state.js';
import type { NumberList, TaskRunner } from './run-tasks.js';

/** In a fleet: the numbers other workers hold, waited for beside this worker's tasks (fleet.ts). */
export interface OthersWait {
  /** Resolves with the numbers whose holder died before uploading: this worker checks them. */
  wait(runner: TaskRunner): Promise<string[]>;
  stop(): void;
}

/** The job's tasks, running in the background while pass 2 writes rows out. */
export class Checking {
  readonly #runner: TaskRunner | undefined;
  readonly #result: Promise<void>;
  /** Resolves (never rejects) once the tasks are over. */
  readonly #over: Promise<void>;
  #isOver = false;

  /** Starts checking `numbers` with `runner`; with none (a dry run), there is nothing to run. */
  constructor(runner: TaskRunner | undefined, numbers: NumberList, others?: OthersWait) {
    this.#runner = runner;
    // Checked even when empty: tasks resumed from the journal may leave numbers to try again.
    this.#result = runner
      ? others
        ? checkInFleet(runner, numbers, others)
        : runner.check(numbers)
      : Promise.resolve();
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

/** This worker's tasks, while the numbers others hold are waited for; then those left to it. */
async function checkInFleet(runner: TaskRunner, numbers: NumberList, others: OthersWait): Promise<void> {
  const waited = others.wait(runner);
  waited.catch(() => {}); // awaited below; its failure is not unhandled meanwhile
  try {
    await runner.check(numbers);
  } catch (error) {
    others.stop();
    await waited.catch(() => {});
    throw error;
  }
  const leftToUs = await waited;
  // Run even when empty: tasks adopted from dead workers may leave numbers to try again.
  await runner.check(leftToUs);
}
