import { describe, expect, test } from 'vitest';
import { WaClient, type WaClientOptions } from '../src/api/client.js';
import { TaskStalledError } from '../src/api/wait-errors.js';
import type { WaitEvent } from '../src/api/wait-events.js';
import { ErrorCodes, type WaError } from '../src/errors.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { answer, taskBody, useHostileServers } from './helpers/hostile-server.js';
import { swissNumbers } from './helpers/sim-http.js';
import { VirtualClock } from './helpers/virtual-clock.js';

// Every wait here runs on a virtual clock: the simulator's tasks are stuck for good in real time,
// and the client's 15 or 30 minutes pass in the sleeps it asks for.

const { start } = useFastSimulators();
const serve = useHostileServers();

const MINUTE = 60_000;

/** A client with the default poll and give-up settings, on a virtual clock. */
function virtualClient(url: string, apiKey: string, options: Partial<WaClientOptions> = {}) {
  const clock = new VirtualClock();
  const client = new WaClient({ apiUrl: url, apiKey, userId: 'test', clock, ...options });
  return { client, clock };
}

/** Waits for a task, counting reads; a runaway loop is cut off and fails the test. */
async function waitCounting(client: WaClient, clock: VirtualClock, taskId: string, onWait?: (e: WaitEvent) => void) {
  const reads: number[] = [];
  const readAt: number[] = [];
  const runaway = new AbortController();
  const startedAt = clock.now();
  let error: unknown;
  try {
    await client.waitForTask(taskId, {
      signal: runaway.signal,
      onProgress: () => {
        reads.push(clock.now() - startedAt);
        readAt.push(clock.now());
        if (reads.length > 500) runaway.abort();
      },
      ...(onWait && { onWait }),
    });
  } catch (caught) {
    error = caught;
  }
  return { reads, readAt, error: error as WaError | undefined, elapsed: clock.now() - startedAt };
}

async function stuckProcessing(): Promise<{ sim: RunningSimulator; taskId: string }> {
  // Processing at once, and never a number done.
  const sim = await start({ queueDelayMs: 0, numbersPerSecond: 1e-9 });
  const { client } = virtualClient(sim.url, sim.apiKey);
  return { sim, taskId: (await client.createTask(swissNumbers(50))).taskId };
}

describe('waitForTask() - a task stuck in processing', () => {
  test('is read less and less often (not every 2 s), then given up with WA_TASK_STALLED', async () => {
    const { sim, taskId } = await stuckProcessing();
    const { client, clock } = virtualClient(sim.url, sim.apiKey);
    const { reads, error, elapsed } = await waitCounting(client, clock, taskId);
    expect(error).toBeInstanceOf(TaskStalledError);
    expect(error).toMatchObject({ code: ErrorCodes.TASK_STALLED, taskId, reason: 'no-progress' });
    expect(error!.message).toContain(taskId);
    // Issue #14 saw 20 reads in the first 40 s, and reads every 2 s for ever.
    expect(reads.filter((at) => at <= 40_000).length).toBeLessThanOrEqual(5);
    expect(reads.length).toBeLessThanOrEqual(20);
    // The default: 15 minutes without a counter moving, and not much more.
    expect(elapsed).toBeGreaterThanOrEqual(15 * MINUTE);
    expect(elapsed).toBeLessThanOrEqual(15 * MINUTE + 2 * MINUTE);
    // Backing off stops at the ceiling (120 s by default).
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(120_000);
  });

  test('giveUp.stalledMs sets how long counters may stand still', async () => {
    const { sim, taskId } = await stuckProcessing();
    const { client, clock } = virtualClient(sim.url, sim.apiKey, { giveUp: { stalledMs: 3 * MINUTE } });
    const { error, elapsed } = await waitCounting(client, clock, taskId);
    expect(error).toMatchObject({ code: ErrorCodes.TASK_STALLED, reason: 'no-progress' });
    expect(elapsed).toBeGreaterThanOrEqual(3 * MINUTE);
    expect(elapsed).toBeLessThan(4 * MINUTE);
  });

  test('every wait of 3 s or more is announced through onWait, with the task and the time of the read', async () => {
    const { sim, taskId } = await stuckProcessing();
    const events: Array<{ event: WaitEvent; via: string }> = [];
    const { client, clock } = virtualClient(sim.url, sim.apiKey, {
      onWait: (event) => events.push({ event, via: 'client' }),
    });
    const { readAt, error } = await waitCounting(client, clock, taskId, (event) => events.push({ event, via: 'call' }));
    expect(error).toMatchObject({ code: ErrorCodes.TASK_STALLED });
    const fromClient = events.filter((e) => e.via === 'client').map((e) => e.event);
    expect(events.filter((e) => e.via === 'call').map((e) => e.event)).toEqual(fromClient);
    const waitsWorthSaying = clock.sleeps.filter((ms) => ms >= 3000).length;
    expect(fromClient.length).toBe(waitsWorthSaying);
    expect(fromClient.length).toBeGreaterThan(3);
    for (const event of fromClient) {
      expect(event).toMatchObject({ what: 'poll', taskId, call: 'status read' });
      // Each announced wait ends with a status read at exactly that time.
      expect(readAt).toContain(event.until);
    }
    expect(fromClient.at(-1)!.reason).toMatch(/^processing, still since /);
  });
});

describe('collectResults() - a download is a wait too', () => {
  test('announced with the task and the time it may last at most (the download timeout)', async () => {
    const sim = await start();
    const events: WaitEvent[] = [];
    const clock = new VirtualClock();
    const client = new WaClient({
      apiUrl: sim.url,
      apiKey: sim.apiKey,
      userId: 'test',
      clock,
      downloadTimeoutMs: 60_000,
      poll: { floorMs: 20, ceilingMs: 100 },
      onWait: (event) => events.push(event),
    });
    const numbers = swissNumbers(10);
    const created = await client.createTask(numbers);
    // The simulator runs on real time: read until it has exported.
    let task = await client.getTask(created.taskId);
    while (task.status !== 'exported') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      task = await client.getTask(created.taskId);
    }
    await client.collectResults(task, numbers);
    expect(events).toEqual([{ what: 'download', call: 'download', taskId: task.taskId, until: clock.now() + 60_000 }]);
  });
});

describe('waitForTask() - a task stuck in pending', () => {
  test('is given up with WA_TASK_STALLED after 30 minutes by default', async () => {
    const sim = await start({ queueDelayMs: 1e12 });
    const { client, clock } = virtualClient(sim.url, sim.apiKey);
    const taskId = (await client.createTask(swissNumbers(5))).taskId;
    const { reads, error, elapsed } = await waitCounting(client, clock, taskId);
    expect(error).toMatchObject({ code: ErrorCodes.TASK_STALLED, taskId, reason: 'pending', taskStatus: 'pending' });
    expect(elapsed).toBeGreaterThanOrEqual(30 * MINUTE);
    expect(elapsed).toBeLessThanOrEqual(32 * MINUTE);
    expect(reads.length).toBeLessThanOrEqual(25);
  });

  test('giveUp.pendingMs sets how long a task may queue', async () => {
    const sim = await start({ queueDelayMs: 1e12 });
    const { client, clock } = virtualClient(sim.url, sim.apiKey, { giveUp: { pendingMs: 5 * MINUTE } });
    const taskId = (await client.createTask(swissNumbers(5))).taskId;
    const { error, elapsed } = await waitCounting(client, clock, taskId);
    expect(error).toMatchObject({ code: ErrorCodes.TASK_STALLED, reason: 'pending' });
    expect(elapsed).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(elapsed).toBeLessThan(6 * MINUTE);
  });
});

describe('waitForTask() - hostile counters', () => {
  test('a task that moves at every read is never stalled, however slowly', async () => {
    let done = 0;
    const server = await serve((_request, response) =>
      answer(response, 200, {
        ...taskBody('cs9viu7i61pkfs4oavvg', done >= 5 ? 'exported' : 'processing', 5, done++),
        result_url: 'http://127.0.0.1:9/results.xlsx',
      }),
    );
    // Reads 20 s apart, a stall limit of 10 s: only a read without movement counts.
    const { client, clock } = virtualClient(server.url, 'k', {
      poll: { floorMs: 20_000 },
      giveUp: { stalledMs: 10_000 },
    });
    const { error } = await waitCounting(client, clock, 'cs9viu7i61pkfs4oavvg');
    expect(error).toBeUndefined();
  });

  test('an export that never ends is read less and less often, then WA_TASK_STALLED', async () => {
    const server = await serve((_request, response) =>
      answer(response, 200, taskBody('cs9viu7i61pkfs4oavvg', 'completed', 100, 100)),
    );
    const { client, clock } = virtualClient(server.url, 'k');
    const { reads, error, elapsed } = await waitCounting(client, clock, 'cs9viu7i61pkfs4oavvg');
    expect(error).toMatchObject({ code: ErrorCodes.TASK_STALLED, reason: 'no-progress', taskStatus: 'completed' });
    expect(elapsed).toBeLessThanOrEqual(17 * MINUTE);
    // Reading every 5 s (the notice window) would take 180 reads.
    expect(reads.length).toBeLessThanOrEqual(30);
  });
});

describe('poll.floorMs has a floor', () => {
  const base = { apiKey: 'k', userId: 'u' };

  test.each([0, -1, 500, Number.NaN])('floorMs %s against the provider is WA_INVALID_OPTION', (floorMs) => {
    expect(() => new WaClient({ ...base, apiUrl: 'https://api.example.com', poll: { floorMs } })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.INVALID_OPTION,
        message: expect.stringMatching(/`poll\.floorMs` should be at least 1000 ms .*charged/),
      }),
    );
  });

  test('1000 ms against the provider, 10 ms against a loopback simulator', () => {
    expect(() => new WaClient({ ...base, apiUrl: 'https://api.example.com', poll: { floorMs: 1000 } })).not.toThrow();
    expect(() => new WaClient({ ...base, apiUrl: 'http://127.0.0.1:9', poll: { floorMs: 10 } })).not.toThrow();
    expect(() => new WaClient({ ...base, apiUrl: 'http://127.0.0.1:9', poll: { floorMs: 0 } })).toThrow(
      /should be at least 10 ms/,
    );
  });

  test('giveUp limits are checked too', () => {
    expect(() => new WaClient({ ...base, giveUp: { stalledMs: 0 } })).toThrow(/giveUp\.stalledMs/);
    expect(() => new WaClient({ ...base, giveUp: { retryAfterMs: Number.POSITIVE_INFINITY } })).toThrow(
      /giveUp\.retryAfterMs/,
    );
  });
});
