import type { WaitEvent, WaitListener } from '../api/wait-events.js';

/** A wait of the job's, as its progress shows it. */
export interface JobWait {
  /** What is awaited: a task's next status read, a retry, the end of a `Retry-After`, a download. */
  what: WaitEvent['what'];
  /** When it ends at the latest, in the client's clock (ms since the epoch). */
  until: number;
  /** The task waited for, when there is one. */
  taskId?: string | undefined;
}

/** Trouble first: a rate limit or a retry says more than a routine poll. */
const SHOWN_FIRST: Record<WaitEvent['what'], number> = { 'rate-limit': 0, retry: 1, download: 2, poll: 3 };

/**
 * The waits the client announces for the job's calls (`onWait`), one per task or call at a time,
 * each dropped when what it waited for answers or ends. Progress shows the one most worth
 * knowing about, so a long silence has a voice: what we wait for, and until when.
 */
export class JobWaits {
  readonly #waits = new Map<string, JobWait>();
  readonly #changed: (now: boolean) => void;

  /** `changed(true)` is called with each wait announced: rare (3 s or more), and worth showing at once. */
  constructor(changed: (now: boolean) => void) {
    this.#changed = changed;
  }

  /** The listener passed to each of the job's client calls. */
  readonly listener: WaitListener = (event) => {
    this.#waits.set(keyOf(event), {
      what: event.what,
      until: event.until,
      ...(event.taskId !== undefined && { taskId: event.taskId }),
    });
    this.#changed(true);
  };

  /** The waits of a task (its id) or of a call without one (`'task creation'`) are over. */
  over(key: string): void {
    this.#waits.delete(key);
  }

  /** The wait most worth showing: trouble before routine, then the one that ends first. */
  current(): JobWait | undefined {
    let shown: JobWait | undefined;
    for (const wait of this.#waits.values()) {
      if (
        !shown ||
        SHOWN_FIRST[wait.what] < SHOWN_FIRST[shown.what] ||
        (SHOWN_FIRST[wait.what] === SHOWN_FIRST[shown.what] && wait.until < shown.until)
      )
        shown = wait;
    }
    return shown && { ...shown };
  }
}

function keyOf(event: WaitEvent): string {
  return event.taskId ?? event.call;
}
