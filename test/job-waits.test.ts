import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ProgressLine } from '../src/cli/progress-line.js';
import { checkNumbers } from '../src/job/check-numbers.js';
import type { JobProgress } from '../src/job/progress.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { useProviderProxies } from './helpers/provider-proxy.js';
import { swissNumbers } from './helpers/sim-http.js';
import { VirtualClock } from './helpers/virtual-clock.js';

// A long wait used to be silence: the progress line froze with no word of why. The client now
// announces its waits (onWait); the job passes them to its progress, and the line shows them.

const { start } = useFastSimulators({ failureShare: 0 });
const proxy = useProviderProxies();

describe('checkNumbers() - progress says what the job waits for', () => {
  test('a status read told to come back in 40 s: progress shows a rate-limit wait of that task until then', async () => {
    const clock = new VirtualClock();
    const s = await start({ clock: clock.now });
    const front = await proxy(s.url, ({ call, index }) =>
      call === 'status' && index === 0
        ? { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '40' } }
        : undefined,
    );
    const seen: JobProgress[] = [];
    const job = checkNumbers(swissNumbers(20), {
      client: clientFor(s, { apiUrl: front.url, clock }),
      concurrency: 1,
      onProgress: (progress) => seen.push(progress),
    });
    let taskId: string | undefined;
    const startedAt = clock.now();
    for await (const _ of job) void _;
    for (const progress of seen) taskId ??= progress.tasksRunning[0]?.taskId;
    const waits = seen.flatMap((progress) => (progress.waiting ? [progress.waiting] : []));
    expect(waits).toContainEqual({ what: 'rate-limit', until: expect.any(Number), taskId });
    const limited = waits.find((wait) => wait.what === 'rate-limit')!;
    expect(limited.until - startedAt).toBeGreaterThanOrEqual(40_000);
    expect(limited.until - startedAt).toBeLessThan(41_000);
    // Once the task is over, nothing is awaited any more.
    expect(seen.at(-1)!.waiting).toBeUndefined();
    expect((await job.summary).answeredByApi).toBe(20);
  });
});

describe('ProgressLine - a wait has a voice', () => {
  test('shows what is awaited, for which task, and until when', () => {
    const until = new Date(2026, 10, 30, 14, 5, 9).getTime();
    const text = new ProgressLine(new PassThrough(), { columns: () => 200 }).format({
      phase: 'checking',
      rows: 10,
      invalidRows: 0,
      duplicateRows: 0,
      uniqueNumbers: 10,
      cacheHits: 0,
      answeredByApi: 0,
      numbersUploaded: 10,
      tasks: 1,
      numbersCharged: 10,
      numbersUnconfirmed: 0,
      unanswered: 0,
      toCheck: 10,
      tasksRunning: [{ taskId: 'cs9viu7i61pkfs4oavvg', numbers: 10, status: 'pending', checked: 0 }],
      waiting: { what: 'rate-limit', until, taskId: 'cs9viu7i61pkfs4oavvg' },
    });
    expect(text).toContain('waiting: rate-limit of cs9viu7i61pkfs4oavvg until 14:05:09');
  });
});
