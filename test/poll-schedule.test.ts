import { describe, expect, test } from 'vitest';
import { PollSchedule, type PollScheduleOptions } from '../src/api/poll-schedule.js';
import type { TaskStatus } from '../src/api/task.js';

/** A task on the provider's timeline, in virtual ms: queued, processed at a fixed rate, exported. */
function taskModel(queueMs: number, processingMs: number, exportMs: number, total: number) {
  return (at: number): { status: TaskStatus; total: number; done: number } => {
    if (at < queueMs) return { status: 'pending', total: 0, done: 0 };
    if (at < queueMs + processingMs)
      return { status: 'processing', total, done: Math.floor(((at - queueMs) / processingMs) * total) };
    if (at < queueMs + processingMs + exportMs) return { status: 'completed', total, done: total };
    return { status: 'exported', total, done: total };
  };
}

/** Plays a schedule against a model; returns the reads made and how late the export was seen. */
function play(model: ReturnType<typeof taskModel>, exportAt: number, options: PollScheduleOptions = {}) {
  const schedule = new PollSchedule(options, 0);
  let at = schedule.firstDelay();
  let reads = 0;
  let firstCompletedAt: number | undefined;
  for (;;) {
    reads++;
    const seen = model(at);
    if (seen.status === 'completed') firstCompletedAt ??= at;
    // What the client learns of the export: from the first read that found processing over.
    if (seen.status === 'exported')
      return {
        reads,
        lateBy: at - exportAt,
        exportSeenAfter: firstCompletedAt === undefined ? undefined : at - firstCompletedAt,
      };
    at += schedule.nextDelay({ at, ...seen });
    if (reads > 1000) throw new Error('never noticed the export');
  }
}

describe('PollSchedule', () => {
  test('.predictedEndAt - unknown until the rate is measured between two processing reads, then the end', () => {
    // 720 numbers at 12/s, with the rate learned from earlier tasks (as for every task but the first).
    const model = taskModel(1000, 60_000, 2000, 720);
    const schedule = new PollSchedule({ expectedRate: 12, expectedTotal: 720 }, 0);
    let at = schedule.firstDelay();
    const predictions: Array<number | undefined> = [];
    for (let read = 0; read < 20 && model(at).status !== 'completed'; read++) {
      const seen = model(at);
      const next = schedule.nextDelay({ at, ...seen });
      if (seen.status === 'processing') predictions.push(schedule.predictedEndAt);
      at += next;
    }
    expect(predictions[0]).toBeUndefined(); // one reading: a lower bound on the rate, no prediction
    expect(predictions.length).toBeGreaterThanOrEqual(2);
    const last = predictions[predictions.length - 1]!;
    expect(Math.abs(last - 61_000)).toBeLessThan(200);
    expect(Math.abs(schedule.processingMs! - 60_000)).toBeLessThan(200);
  });

  test.each([
    [60_000, 0, 2000],
    [60_000, 1000, 500],
    [60_000, 2000, 5000],
    [60_000, 0, 0],
  ])(
    '.nextDelay() - %i ms of processing (queue %i ms, export %i ms): at most 8 reads, export seen within max(5 s, 10%%)',
    (processingMs, queueMs, exportMs) => {
      const total = Math.round((processingMs / 1000) * 12);
      const { reads, lateBy } = play(
        taskModel(queueMs, processingMs, exportMs, total),
        queueMs + processingMs + exportMs,
      );
      expect(reads).toBeLessThanOrEqual(8);
      expect(lateBy).toBeGreaterThanOrEqual(0);
      expect(lateBy).toBeLessThanOrEqual(Math.max(5000, 0.1 * processingMs));
    },
  );

  test.each([10_000, 600_000, 1_728_000, 7_200_000])(
    '.nextDelay() - %i ms of processing: export seen within max(5 s, 10%%), few reads',
    (processingMs) => {
      const total = Math.round((processingMs / 1000) * 12);
      const { reads, lateBy } = play(taskModel(500, processingMs, 3000, total), 500 + processingMs + 3000, {
        ceilingMs: 10 * 60_000,
      });
      expect(lateBy).toBeLessThanOrEqual(Math.max(5000, 0.1 * processingMs));
      expect(reads).toBeLessThanOrEqual(processingMs > 600_000 ? 16 : 8);
    },
  );

  test.each([
    ['without a learned rate', undefined],
    ['with a learned rate', 12],
  ])(
    '.nextDelay() - a first reading just as processing begins (%s) does not send the next read past the end',
    (_name, expectedRate) => {
      // Created while the slot is busy (the next round's task): pending for 30 s, read often, so the
      // first processing reading comes a moment after the start, with a handful of numbers done.
      const processingMs = 600_000;
      const total = 7200;
      const model = taskModel(30_000, processingMs, 3000, total);
      const { reads, lateBy } = play(model, 30_000 + processingMs + 3000, {
        floorMs: 2000,
        ceilingMs: 600_000,
        expectedRate,
        expectedTotal: expectedRate ? total : undefined,
      });
      expect(lateBy).toBeLessThanOrEqual(Math.max(5000, 0.1 * processingMs));
      expect(reads).toBeLessThanOrEqual(14);
    },
  );

  test('.nextDelay() - a long export that earlier tasks measured takes two reads, not a read every few seconds', () => {
    // 4,000 numbers at 12/s (333 s), then a 2-minute export: longer than the notice window (33 s).
    const model = taskModel(1000, 333_000, 120_000, 4000);
    const exportAt = 1000 + 333_000 + 120_000;
    const first = play(model, exportAt, { expectedRate: 12, expectedTotal: 4000 });
    expect(first.exportSeenAfter).toBeGreaterThan(100_000);
    const next = play(model, exportAt, {
      expectedRate: 12,
      expectedTotal: 4000,
      expectedExportMs: first.exportSeenAfter,
    });
    expect(first.reads - next.reads).toBeGreaterThanOrEqual(4);
    expect(next.lateBy).toBe(first.lateBy);
    expect(next.lateBy).toBeLessThanOrEqual(33_300);
  });

  test('.nextDelay() - an export shorter than learned is found at the half-way read', () => {
    const model = taskModel(1000, 333_000, 30_000, 4000);
    const { reads, lateBy, exportSeenAfter } = play(model, 1000 + 333_000 + 30_000, {
      expectedRate: 12,
      expectedTotal: 4000,
      expectedExportMs: 120_000,
    });
    expect(lateBy).toBeGreaterThanOrEqual(0);
    expect(exportSeenAfter).toBeLessThanOrEqual(60_000); // what the next task learns: it comes down
    expect(reads).toBeLessThanOrEqual(6);
  });

  test('.nextDelay() - an export within the notice window is read for as before, learned or not', () => {
    const model = taskModel(1000, 60_000, 2000, 720);
    expect(play(model, 63_000, { expectedExportMs: 2500 })).toEqual(play(model, 63_000));
  });

  test('.nextDelay() - backs off while pending, within the ceiling', () => {
    const schedule = new PollSchedule({ floorMs: 1000, ceilingMs: 5000 }, 0);
    const delays = [0, 1, 2, 3, 4].map((i) =>
      schedule.nextDelay({ at: i * 1000, status: 'pending', total: 0, done: 0 }),
    );
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  test('.firstDelay() - timed by an expected rate when one is known', () => {
    expect(new PollSchedule({ expectedRate: 12, expectedTotal: 1200 }).firstDelay()).toBe(50_000);
    expect(new PollSchedule({ floorMs: 3000 }).firstDelay()).toBe(3000);
  });

  test('a slow tail: reads stay sparse and the export is still noticed', () => {
    // 90% of the numbers in 50 s, the last 10% in 20 s: the provider's "slower tail".
    const model = (at: number): { status: TaskStatus; total: number; done: number } => {
      if (at < 50_000) return { status: 'processing', total: 1000, done: Math.floor((at / 50_000) * 900) };
      if (at < 70_000)
        return { status: 'processing', total: 1000, done: 900 + Math.floor(((at - 50_000) / 20_000) * 100) };
      if (at < 72_000) return { status: 'completed', total: 1000, done: 1000 };
      return { status: 'exported', total: 1000, done: 1000 };
    };
    const { reads, lateBy } = play(model, 72_000);
    expect(reads).toBeLessThanOrEqual(10);
    expect(lateBy).toBeLessThanOrEqual(7000);
  });
});
