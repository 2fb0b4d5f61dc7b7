import { RateLimiter } from '../simulator/rate-limiter.js';
import type { ClientRate, GatewayClient } from './client-keys.js';

/**
 * Per-client request limits, answered as the provider's peers answer them: 429 with
 * `Retry-After`. Each client has its own sliding window (the simulator's, so the gateway limits
 * exactly as the provider it stands for is simulated), from the clients file or the default.
 */
export class ClientRateLimits {
  readonly #limiters = new Map<string, RateLimiter>();
  readonly #defaultRate: ClientRate | undefined;
  readonly #now: () => number;

  constructor(defaultRate: ClientRate | undefined, now: () => number) {
    this.#defaultRate = defaultRate;
    this.#now = now;
  }

  /** Counts a request of the client; the ms it must wait when over its limit, else 0. */
  check(client: GatewayClient): number {
    const rate = client.rate ?? this.#defaultRate;
    if (!rate) return 0;
    let limiter = this.#limiters.get(client.name);
    if (!limiter) {
      limiter = new RateLimiter(rate.requests, rate.windowMs);
      this.#limiters.set(client.name, limiter);
    }
    return limiter.check(client.name, this.#now());
  }
}
