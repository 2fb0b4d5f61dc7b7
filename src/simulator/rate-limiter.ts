/** A sliding-window request limit per key, as the provider's peers enforce (20 to 60 a minute). */
export class RateLimiter {
  readonly #requests: number;
  readonly #windowMs: number;
  readonly #history = new Map<string, number[]>();

  constructor(requests: number, windowMs: number) {
    this.#requests = requests;
    this.#windowMs = windowMs;
  }

  /** Records a request; returns how long to wait in ms when it is over the limit, else 0. */
  check(key: string, now: number): number {
    const times = (this.#history.get(key) ?? []).filter((time) => time > now - this.#windowMs);
    this.#history.set(key, times);
    if (times.length >= this.#requests) return times[0]! + this.#windowMs - now;
    times.push(now);
    return 0;
  }
}
