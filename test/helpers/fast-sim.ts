import { afterEach } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

/** A simulator with the provider's shape at test speed: fast rate, short queue and export steps. */
export function startFastSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({
    numbersPerSecond: 20_000,
    queueDelayMs: 20,
    exportDelayMs: 20,
    rateLimit: null,
    ...options,
  });
}

/**
 * For a test file: `start(options)` starts a fast simulator that is closed after each test.
 * `close()` closes them early (closing twice is harmless).
 */
export function useFastSimulators(defaults: SimulatorOptions = {}) {
  const running: RunningSimulator[] = [];
  const close = async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
  };
  afterEach(close);
  const start = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
    const sim = await startFastSimulator({ ...defaults, ...options });
    running.push(sim);
    return sim;
  };
  return { start, close };
}
