import { describe, expect, test } from 'vitest';
import { WaClient, type WaClientOptions } from '../src/api/client.js';
import { TransportError } from '../src/api/http.js';
import { ProviderUnreachableError } from '../src/api/wait-errors.js';
import { CreateUnconfirmedError, ErrorCodes } from '../src/errors.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { answer, useHostileServers } from './helpers/hostile-server.js';
import { swissNumbers } from './helpers/sim-http.js';
import { VirtualClock } from './helpers/virtual-clock.js';
import { rejection } from './helpers/expectations.js';
import { freePort } from './helpers/ports.js';

const { start } = useFastSimulators();
const serve = useHostileServers();
const SECRET = 'sk_live_never_in_a_message';

/** The client's defaults (retries, backoff, give-up), on a virtual clock. */
function virtualClient(apiUrl: string, options: Partial<WaClientOptions> = {}) {
  const clock = new VirtualClock();
  const client = new WaClient({ apiUrl, apiKey: SECRET, userId: 'u', clock, ...options });
  return { client, clock };
}

function waited(clock: VirtualClock): number {
  return clock.sleeps.reduce((sum, ms) => sum + ms, 0);
}

describe('a provider never reached fails fast with WA_NETWORK naming the URL', () => {
  test('a closed port: createTask() gives up after 2 s of tries, nothing unconfirmed', async () => {
    const port = await freePort();
    const { client, clock } = virtualClient(`http://127.0.0.1:${port}/some/path?user=x`);
    const error = await rejection(client.createTask(swissNumbers(20_000)));
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect(error).not.toBeInstanceOf(CreateUnconfirmedError);
    expect(error).toMatchObject({
      code: ErrorCodes.NETWORK,
      origin: `http://127.0.0.1:${port}`,
      reason: 'ECONNREFUSED',
    });
    expect(error.message).toContain(`http://127.0.0.1:${port} (ECONNREFUSED: connection refused)`);
    expect(error.message).toContain('--api-url');
    expect(error.message).not.toContain('/some/path');
    expect(JSON.stringify({ m: error.message, s: error.stack })).not.toContain(SECRET);
    // Issue #13: ~40 s of retries. Now at most the give-up budget, and a few tries.
    expect(waited(clock)).toBeLessThanOrEqual(2000);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(2);
  });

  test('an unknown host (.invalid): status and balance reads give up as fast', async () => {
    const { client, clock } = virtualClient('https://wa-check-no-such-host.invalid', { api: 'v1' });
    const error = await rejection(client.getTask('cs9viu7i61pkfs4oavvg'));
    expect(error).toMatchObject({ code: ErrorCodes.NETWORK, origin: 'https://wa-check-no-such-host.invalid' });
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((error as ProviderUnreachableError).reason);
    expect((await rejection(client.balance())).code).toBe(ErrorCodes.NETWORK);
    expect(waited(clock)).toBeLessThanOrEqual(2 * 2000);
  });

  test('an unknown host: a create is not unconfirmed', async () => {
    const { client } = virtualClient('https://wa-check-no-such-host.invalid');
    const error = await rejection(client.createTask(swissNumbers(50_000)));
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect(error).not.toBeInstanceOf(CreateUnconfirmedError);
  });

  test('TLS that fails (https to a plain HTTP server) is unreachable too', async () => {
    const server = await serve((_request, response) => answer(response, 200, {}));
    const { client } = virtualClient(server.url.replace('http:', 'https:'));
    const error = await rejection(client.createTask(swissNumbers(3)));
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect(error.message).toMatch(/TLS failed/);
  });

  test('giveUp.unreachableMs sets the budget; 0 tries once', async () => {
    const port = await freePort();
    const { client, clock } = virtualClient(`http://127.0.0.1:${port}`, { giveUp: { unreachableMs: 0 } });
    expect(await rejection(client.getTask('cs9viu7i61pkfs4oavvg'))).toBeInstanceOf(ProviderUnreachableError);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('once the provider has answered, connection failures are retried as before', () => {
  test('a refused status read after an answer: the retry layer, then a TransportError', async () => {
    const sim = await start();
    const { client, clock } = virtualClient(sim.url, {
      apiKey: sim.apiKey,
      retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50 },
    });
    const task = await client.createTask(swissNumbers(3));
    await sim.close();
    const error = await rejection(client.getTask(task.taskId));
    expect(error).toBeInstanceOf(TransportError);
    expect(error).not.toBeInstanceOf(ProviderUnreachableError);
    expect(error.code).toBe(ErrorCodes.NETWORK);
    expect(clock.sleeps).toHaveLength(3);
  });

  test('a refused create after an answer is never unconfirmed: it never connected', async () => {
    const sim = await start();
    const { client } = virtualClient(sim.url, {
      apiKey: sim.apiKey,
      retry: { retries: 1, minDelayMs: 10, maxDelayMs: 10 },
    });
    await client.createTask(swissNumbers(3));
    await sim.close();
    const error = await rejection(client.createTask(swissNumbers(20_000, 100)));
    expect(error).not.toBeInstanceOf(CreateUnconfirmedError);
    expect(error.code).toBe(ErrorCodes.NETWORK);
  });
});
