import type { Clock } from './clock.js';

/** Waits at least this long are announced through `onWait`; shorter ones are routine. */
export const ANNOUNCED_WAIT_MS = 3000;

/** A wait the client is about to start, for a progress line or a debug log. */
export interface WaitEvent {
  /**
   * What is awaited: `'poll'` the next status read of a task, `'retry'` a retry after a failure,
   * `'rate-limit'` the end of a `Retry-After` the provider asked for, `'download'` a result file
   * (`until` is then its timeout).
   */
  what: 'poll' | 'retry' | 'rate-limit' | 'download';
  /** When the wait ends at the latest, in the client's clock (ms since the epoch). */
  until: number;
  /** The call it is part of, e.g. `'status read'`, `'task creation'`. */
  call: string;
  /** The task waited for, when there is one. */
  taskId?: string;
  /** Why, in a few words: `'pending'`, `'counters still for 4 min'`, an error code. */
  reason?: string;
}

export type WaitListener = (event: WaitEvent) => void;

/** Calls every listener given (the client's and the call's), for waits worth announcing. */
export function announcer(clock: Clock, ...listeners: Array<WaitListener | undefined>) {
  const active = listeners.filter((listener): listener is WaitListener => listener !== undefined);
  return (ms: number, event: Omit<WaitEvent, 'until'>): void => {
    if (ms < ANNOUNCED_WAIT_MS || active.length === 0) return;
    const announced: WaitEvent = { ...event, until: clock.now() + ms };
    for (const listener of active) listener(announced);
  };
}

export type Announce = ReturnType<typeof announcer>;
