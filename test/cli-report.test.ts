import { describe, expect, test } from 'vitest';
import { ProgressLine } from '../src/cli/progress-line.js';
import { formatReport } from '../src/cli/report.js';
import { type CheckSummary, emptyCounts, type JobProgress, type TaskProgress } from '../src/job/progress.js';

// Issue #13: a progress line a terminal can redraw, and a report a person can read.

function progress(change: Partial<JobProgress> = {}): JobProgress {
  return { ...emptyCounts(), phase: 'checking', toCheck: 0, tasksRunning: [], ...change };
}

function task(taskId: string, numbers: number, checked: number): TaskProgress {
  return { taskId, numbers, checked, status: checked >= numbers ? 'completed' : 'processing' };
}

/** A terminal of `columns` columns and a clock the test moves. */
function terminal(columns: number) {
  const clock = { now: 1_000_000 };
  let written = '';
  const out = {
    write: (text: string) => {
      written += text;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const line = new ProgressLine(out, { columns: () => columns, now: () => clock.now });
  return { line, clock, written: () => written };
}

const busy = progress({
  rows: 12_345_678,
  invalidRows: 123_456,
  duplicateRows: 234_567,
  cacheHits: 3_456_789,
  uniqueNumbers: 11_000_000,
  answeredByApi: 1_234_567,
  toCheck: 6_000_000,
  tasksRunning: [task('a', 50_000, 20_000), task('b', 50_000, 10_000)],
});

describe('ProgressLine', () => {
  test('.format() - never wider than the terminal, the most useful parts kept', () => {
    for (const columns of [24, 40, 60, 80, 120, 200]) {
      const { line, clock } = terminal(columns);
      line.format(busy);
      clock.now += 5_000;
      const text = line.format({ ...busy, answeredByApi: busy.answeredByApi + 5_000 });
      expect(text.length).toBeLessThan(columns);
      expect(text.startsWith('checking')).toBe(true);
      if (columns >= 60) expect(text).toMatch(/ETA /);
      if (columns >= 200) expect(text).toContain('invalid 123,456');
    }
  });

  test('.format() - shows the rate and the elapsed time', () => {
    const { line, clock } = terminal(200);
    line.format(progress({ toCheck: 10_000, tasksRunning: [task('a', 10_000, 0)] }));
    clock.now += 65_000;
    const text = line.format(progress({ toCheck: 10_000, tasksRunning: [task('a', 10_000, 6_500)] }));
    expect(text).toContain('100/s');
    expect(text).toContain('1m05s');
    // No task seen through yet: its export and download are still to come, unknown ('+').
    expect(text).toContain('ETA 35s+');
  });

  test('.format() - the ETA counts export and download, learned from a finished task, never "0s" before the end', () => {
    const { line, clock } = terminal(200);
    // Task a: 1,000 numbers at 100/s, then 20 s of export and download.
    line.format(progress({ toCheck: 2_000, tasksRunning: [task('a', 1_000, 0)] }));
    clock.now += 10_000;
    const processed = line.format(progress({ toCheck: 2_000, tasksRunning: [task('a', 1_000, 1_000)] }));
    // 1,000 numbers still to go at 100/s, then exports of a length not yet known.
    expect(processed).toContain('ETA 10s+');
    const { line: last } = terminal(200);
    expect(last.format(progress({ toCheck: 1_000, tasksRunning: [task('z', 1_000, 1_000)] }))).toContain(
      'ETA exporting',
    );
    clock.now += 20_000;
    line.format(progress({ toCheck: 1_000, answeredByApi: 1_000, tasksRunning: [task('b', 1_000, 0)] }));
    // Task b: processed at the same rate; its export is still ahead.
    clock.now += 10_000;
    const exporting = line.format(
      progress({ toCheck: 1_000, answeredByApi: 1_000, tasksRunning: [task('b', 1_000, 1_000)] }),
    );
    expect(exporting).toContain('ETA 20s');
    clock.now += 15_000;
    expect(
      line.format(progress({ toCheck: 1_000, answeredByApi: 1_000, tasksRunning: [task('b', 1_000, 1_000)] })),
    ).toContain('ETA 5s');
  });

  test('.update() draws over the line; .clear() erases it once, so other output starts at the left', () => {
    const { line, written } = terminal(80);
    line.clear();
    expect(written()).toBe('');
    line.update(progress({ phase: 'reading', rows: 10 }));
    expect(written().startsWith('\rreading · rows 10')).toBe(true);
    expect(written().endsWith('\x1b[K')).toBe(true);
    line.clear();
    line.clear();
    expect(written().endsWith('\x1b[K\r\x1b[K')).toBe(true);
    expect(written().split('\r')).toHaveLength(3);
    line.done();
  });
});

function summary(change: Partial<CheckSummary>): CheckSummary {
  return {
    ...emptyCounts(),
    unansweredByReason: {},
    savedByCache: change.cacheHits ?? 0,
    taskErrors: [],
    complete: true,
    finished: true,
    elapsedMs: 12_300,
    ...change,
  };
}

describe('formatReport()', () => {
  test('each figure once, with the share the cache saved', () => {
    const report = formatReport(
      summary({
        rows: 2_500,
        invalidRows: 100,
        duplicateRows: 55,
        uniqueNumbers: 2_345,
        cacheHits: 1_204,
        answeredByApi: 1_141,
        tasks: 3,
        numbersUploaded: 1_141,
        numbersCharged: 1_141,
      }),
    );
    expect(report).toContain('1,204 of 2,345 numbers (51%) saved');
    expect(report.split('1,204')).toHaveLength(2);
    expect(report.split(' 55 ')).toHaveLength(2);
    expect(report).toContain('Answered by the API: 1,141 in 3 tasks');
    expect(report).toContain('Numbers paid for:    1,141\n');
  });

  test('after a resume: answers from tasks an earlier run paid for are said to be so', () => {
    const resumed = formatReport(
      summary({ rows: 17_962, uniqueNumbers: 17_962, answeredByApi: 17_962, tasks: 0, numbersCharged: 0 }),
    );
    expect(resumed).toContain('Answered by the API: 17,962 from tasks an earlier run paid for');
    expect(resumed).not.toContain('in 0 tasks');
    expect(resumed).toContain('Numbers paid for:    0 in this run');
    const mixed = formatReport(
      summary({ rows: 20_000, uniqueNumbers: 20_000, answeredByApi: 20_000, tasks: 1, numbersCharged: 2_038 }),
    );
    expect(mixed).toContain('20,000 (2,038 in 1 task of this run, 17,962 from tasks an earlier run paid for)');
  });

  test('a dry run: the estimate, not a list of dry_run "unanswered" numbers', () => {
    const report = formatReport(
      summary({
        rows: 40,
        uniqueNumbers: 40,
        unanswered: 40,
        unansweredByReason: { dry_run: 40 },
        complete: false,
        dryRun: { numbers: 40, tasks: 1 },
      }),
    );
    expect(report).toContain('would upload 40 numbers in 1 task;');
    expect(report).not.toContain('Unanswered');
  });
});
