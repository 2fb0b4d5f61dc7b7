import { WaClient, type WaClientOptions } from '../../src/api/client.js';
import type { RunningSimulator } from '../../src/simulator/index.js';

/** A client for the simulator with test-speed polling and backoff. */
export function clientFor(sim: RunningSimulator, options: Partial<WaClientOptions> = {}): WaClient {
  return new WaClient({
    apiUrl: sim.url,
    apiKey: sim.apiKey,
    userId: 'test',
    retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50 },
    poll: { floorMs: 20, ceilingMs: 500, noticeFloorMs: 100 },
    ...options,
  });
}
