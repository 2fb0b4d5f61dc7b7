import { startSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

/** A simulator with the provider's shape at test speed: fast rate, short queue and export steps. */
export function startFastSimulator(options: SimulatorOptions = {}) {
  return startSimulator({
    numbersPerSecond: 20_000,
    queueDelayMs: 20,
    exportDelayMs: 20,
    rateLimit: null,
    ...options,
  });
}
