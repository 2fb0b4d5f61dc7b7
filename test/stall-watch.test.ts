import { describe, expect, test } from 'vitest';
import { PollSchedule } from '../src/api/poll-schedule.js';
import { StallWatch } from '../src/api/stall-watch.js';

const limits = { pendingMs: 30_000, stalledMs: 10_000 };

describe('StallWatch', () => {
  test('.observe() - pending is counted from the start of the wait', () => {
    const watch = new StallWatch(limits, 1000);
    expect(watch.observe({ at: 20_000, status: 'pending', total: 0, done: 0 })).toBeUndefined();
    expect(watch.deadline).toBe(31_000);
    expect(watch.observe({ at: 31_000, status: 'pending', total: 0, done: 0 })).toEqual({
      reason: 'pending',
      since: 1000,
      limitMs: 30_000,
    });
  });

  test('.observe() - any change of status or counters restarts the still time', () => {
    const watch = new StallWatch(limits, 0);
    watch.observe({ at: 1000, status: 'processing', total: 100, done: 5 });
    expect(watch.observe({ at: 9000, status: 'processing', total: 100, done: 5 })).toBeUndefined();
    expect(watch.stillSince).toBe(1000);
    expect(watch.observe({ at: 10_500, status: 'processing', total: 100, done: 6 })).toBeUndefined();
    expect(watch.stillSince).toBeUndefined();
    expect(watch.observe({ at: 20_000, status: 'completed', total: 100, done: 100 })).toBeUndefined();
    expect(watch.observe({ at: 30_000, status: 'completed', total: 100, done: 100 })).toEqual({
      reason: 'no-progress',
      since: 20_000,
      limitMs: 10_000,
    });
  });
});

describe('PollSchedule', () => {
  test('.nextDelay() - counters that stop moving double the wait up to the ceiling, not the floor for ever', () => {
    const schedule = new PollSchedule({ floorMs: 1000, ceilingMs: 8000 }, 0);
    let at = 1000;
    const delays: number[] = [];
    for (let read = 0; read < 6; read++) {
      const delay = schedule.nextDelay({ at, status: 'processing', total: 1000, done: 0 });
      delays.push(delay);
      at += delay;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });
});
