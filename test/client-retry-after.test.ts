import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { WaClient, type WaClientOptions } from '../src/api/client.js';
import { sleep } from '../src/api/clock.js';
import { RetryLaterError } from '../src/api/wait-errors.js';
import type { WaitEvent } from '../src/api/wait-events.js';
import { CreateUnconfirmedError, ErrorCodes } from '../src/errors.js';
import { answer, taskBody, useHostileServers } from './helpers/hostile-server.js';
import { swissNumbers } from './helpers/sim-http.js';
import { VirtualClock } from './helpers/virtual-clock.js';
import { rejection } from './helpers/expectations.js';

const serve = useHostileServers();
const TASK = 'cs9viu7i61pkfs4oavvg';

/** Node's warnings (TimeoutOverflowWarning among them) while a test runs. */
let warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.name);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

/** A server answering 429 with this Retry-After `times` times, then the task. */
async function rateLimited(retryAfter: string, times = Number.POSITIVE_INFINITY) {
  let refused = 0;
  return serve((_request, response) => {
    if (refused++ < times) answer(response, 429, { error: 'slow down' }, { 'retry-after': retryAfter });
    else answer(response, 200, taskBody(TASK, 'pending', 0, 0));
  });
}

function virtualClient(url: string, options: Partial<WaClientOptions> = {}) {
  const clock = new VirtualClock();
  const client = new WaClient({ apiUrl: url, apiKey: 'k', userId: 'u', clock, ...options });
  return { client, clock };
}

describe('Retry-After', () => {
  test('an hour is no silent sleep: WA_RATE_LIMITED at once, with retryAt', async () => {
    const server = await rateLimited('3600');
    const { client, clock } = virtualClient(server.url);
    const error = await rejection(client.getTask(TASK));
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).toMatchObject({ code: ErrorCodes.RATE_LIMITED, status: 429 });
    expect((error as RetryLaterError).retryAt.getTime()).toBe(clock.now() + 3_600_000);
    expect(error.message).toContain(new Date(clock.now() + 3_600_000).toISOString());
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  test('99999999 s on a create: one request, no TimeoutOverflowWarning, nothing unconfirmed (system clock)', async () => {
    const server = await rateLimited('99999999');
    const client = new WaClient({ apiUrl: server.url, apiKey: 'k', userId: 'u' });
    const error = await rejection(client.createTask(swissNumbers(3)));
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).not.toBeInstanceOf(CreateUnconfirmedError);
    expect(error.code).toBe(ErrorCodes.RATE_LIMITED);
    expect(server.requests).toHaveLength(1);
    await sleep(5);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  test.each([
    ['soon', 'soon'],
    ['negative', '-5'],
    ['exponent', '1e9'],
    ['400 digits', '9'.repeat(400)],
    ['empty', ''],
  ])('a malformed or absurd value (%s) falls back to the backoff, within its cap', async (_name, retryAfter) => {
    const server = await rateLimited(retryAfter);
    const { client, clock } = virtualClient(server.url, { retry: { retries: 3, minDelayMs: 100, maxDelayMs: 400 } });
    const error = await rejection(client.getTask(TASK));
    expect(error.code).toBe(ErrorCodes.RATE_LIMITED);
    expect(server.requests).toHaveLength(4);
    expect(clock.sleeps).toHaveLength(3);
    for (const ms of clock.sleeps) expect(ms).toBeLessThanOrEqual(400);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  test('within the cap it is honoured and announced through onWait', async () => {
    const server = await rateLimited('120', 1);
    const events: WaitEvent[] = [];
    const { client, clock } = virtualClient(server.url, { onWait: (event) => events.push(event) });
    const before = clock.now();
    expect((await client.getTask(TASK)).taskId).toBe(TASK);
    expect(server.requests).toHaveLength(2);
    expect(clock.sleeps.length).toBe(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(120_000);
    expect(events).toEqual([
      {
        what: 'rate-limit',
        call: 'status read',
        taskId: TASK,
        reason: 'WA_RATE_LIMITED (429)',
        until: before + clock.sleeps[0]!,
      },
    ]);
  });

  test('giveUp.retryAfterMs sets the cap', async () => {
    const server = await rateLimited('60');
    const { client } = virtualClient(server.url, { giveUp: { retryAfterMs: 30_000 } });
    const error = await rejection(client.createTask(swissNumbers(2)));
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error.message).toMatch(/longer than the client waits \(giveUp\.retryAfterMs: 30 s\)/);
    expect(server.requests).toHaveLength(1);
  });

  test('asked again and again within the cap: retries run out, then retryAt is the last one asked', async () => {
    const server = await rateLimited('10');
    const { client, clock } = virtualClient(server.url, { retry: { retries: 2, minDelayMs: 10, maxDelayMs: 10 } });
    const error = await rejection(client.getTask(TASK));
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).retryAt.getTime()).toBe(clock.now() + 10_000);
    expect(server.requests).toHaveLength(3);
  });
});

describe('sleep()', () => {
  test('a wait past the 32-bit timer limit waits (in pieces) instead of firing at once', async () => {
    const controller = new AbortController();
    let settled = false;
    const waiting = sleep(2 ** 33, controller.signal).finally(() => {
      settled = true;
    });
    await sleep(20);
    expect(settled).toBe(false);
    controller.abort();
    expect((await rejection(waiting)).code).toBe(ErrorCodes.ABORTED);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});
