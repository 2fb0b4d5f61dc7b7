/**
 * Task slots shared by a fleet: at most `limit` tasks open at the provider per API key, across
 * every worker. A distributed semaphore: a sorted set of holders, each scored with the end of its
 * lease in the server's clock, renewed while the task is open. A small Lua script rather than
 * redis-semaphore, whose leases are stamped with each client's own clock: machines whose clocks
 * disagree would then expire each other's slots early or late. Here only the server's clock counts.
 *
 * Failure modes, and why none of them pays twice (a slot is admission control only: nothing here
 * decides whether a number is uploaded; claims and the journal do):
 * - A worker dies: its slot frees itself when its lease ends (`leaseMs`, a minute by default).
 * - A worker stalls past its lease (GC pause, partition): its slot may be given to another. Its
 *   next renewal takes the slot back if one is free, else the slot is marked `lost` and the task
 *   goes on. The provider may then see one task more than its limit for a while; its answer is a
 *   429, which is free and retried.
 * - Redis is unreachable: acquiring fails with WA_REDIS_UNAVAILABLE; renewals that fail are
 *   retried at the next tick and the lease may lapse (as above).
 * - Redis restarts without the set: for one lease the fleet may admit up to twice the limit; the
 *   provider's 429s cover it.
 * - Workers configured with different limits: each admits up to its own.
 */
import type { Redis } from 'ioredis';
import { ErrorCodes, WaError } from '../../errors.js';
import {
  accountTag,
  closeConnection,
  connectRedis,
  holderToken,
  positiveWholeNumber,
  redisFailed,
  type RedisConnection,
  type RedisConnectionOptions,
} from './redis-connection.js';

export interface TaskSlotsOptions extends RedisConnectionOptions {
  /** The provider key the slots are counted for; only a hash of it is used in Redis. */
  apiKey: string;
  /**
   * Tasks open at once per key, across the fleet (the provider's limit).
   * @default 5
   */
  limit?: number | undefined;
  /**
   * How long a slot stays held without renewal; a dead worker's slot frees after this. Renewed
   * every third of it.
   * @default 60_000
   */
  leaseMs?: number | undefined;
  /**
   * How often `acquire()` asks again while every slot is taken (a release in this process wakes
   * it at once).
   * @default 1_000
   */
  retryMs?: number | undefined;
}

// Takes or renews a slot. Renewal uses the same script, so a holder whose lease lapsed gets its
// slot back when one is free. KEYS[1] set of holders; ARGV limit, token, lease ms.
const ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[1], last[2])
  return 1
end
return 0`;

type SlotsRedis = Redis & {
  waAcquireSlot(key: string, limit: number, token: string, leaseMs: number): Promise<number>;
};

/** One slot, held until released; renewed in the background meanwhile. */
export class TaskSlot {
  readonly token: string;
  readonly #slots: TaskSlots;
  readonly #timer: NodeJS.Timeout;
  #lost = false;
  #released = false;

  /** @internal made by TaskSlots */
  constructor(slots: TaskSlots, token: string, renewEveryMs: number) {
    this.#slots = slots;
    this.token = token;
    this.#timer = setInterval(() => void this.#renew(), renewEveryMs);
    this.#timer.unref();
  }

  /** True while a renewal found the slot given away; the task goes on regardless. */
  get lost(): boolean {
    return this.#lost;
  }

  async #renew(): Promise<void> {
    try {
      this.#lost = !(await this.#slots.renew(this.token));
    } catch {
      // Unreachable for now: the lease may lapse; the next tick tries again.
    }
  }

  /** Frees the slot for the fleet. Releasing twice is harmless. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    await this.#slots.free(this.token);
  }

  /** Stops renewing without freeing: what a worker that dies does. For tests of lease expiry. */
  abandon(): void {
    this.#released = true;
    clearInterval(this.#timer);
  }
}

export class TaskSlots {
  readonly limit: number;
  readonly leaseMs: number;
  readonly #connection: RedisConnection;
  readonly #redis: SlotsRedis;
  readonly #key: string;
  readonly #retryMs: number;
  /** Waiters in this process, woken when a slot of this process is released. */
  readonly #wake = new Set<() => void>();

  private constructor(connection: RedisConnection, options: TaskSlotsOptions) {
    this.#connection = connection;
    this.#redis = connection.client as SlotsRedis;
    if (!this.#redis.waAcquireSlot) this.#redis.defineCommand('waAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE });
    this.#key = `${connection.prefix}slots:${accountTag(options.apiKey)}`;
    this.limit = options.limit ?? 5;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.#retryMs = options.retryMs ?? 1_000;
  }

  static async open(options: TaskSlotsOptions): Promise<TaskSlots> {
    const checked = {
      ...options,
      limit: positiveWholeNumber('limit', options.limit, 5),
      leaseMs: positiveWholeNumber('leaseMs', options.leaseMs, 60_000),
      retryMs: positiveWholeNumber('retryMs', options.retryMs, 1_000),
    };
    return new TaskSlots(await connectRedis(checked), checked);
  }

  /** A slot if one is free now, else undefined. */
  async tryAcquire(): Promise<TaskSlot | undefined> {
    const token = holderToken();
    if (!(await this.renew(token))) return undefined;
    return new TaskSlot(this, token, Math.max(1, Math.floor(this.leaseMs / 3)));
  }

  /** Waits for a slot; rejects with WA_ABORTED when `signal` fires. */
  async acquire(signal?: AbortSignal): Promise<TaskSlot> {
    for (;;) {
      if (signal?.aborted) throw new WaError(ErrorCodes.ABORTED, 'Stopped while waiting for a task slot.');
      const slot = await this.tryAcquire();
      if (slot) return slot;
      await this.#pause(signal);
    }
  }

  /** Holders whose lease has not ended, across the fleet. */
  async held(): Promise<number> {
    const time = await this.#redis.time();
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return this.#redis.zcount(this.#key, `(${now}`, '+inf');
  }

  /** @internal Takes or renews the slot of `token`; false when none is free. */
  async renew(token: string): Promise<boolean> {
    try {
      return (await this.#redis.waAcquireSlot(this.#key, this.limit, token, this.leaseMs)) === 1;
    } catch (cause) {
      throw redisFailed(cause);
    }
  }

  /** @internal */
  async free(token: string): Promise<void> {
    try {
      await this.#redis.zrem(this.#key, token);
    } finally {
      for (const wake of this.#wake) wake();
    }
  }

  /** Sleeps `retryMs` (with jitter, so waiting workers do not ask in step) or until woken. */
  #pause(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.#retryMs * (0.5 + Math.random()));
      this.#wake.add(done);
      signal?.addEventListener('abort', done, { once: true });
      // It may have fired while the last try was on its way.
      if (signal?.aborted) done();
    });
  }

  async close(): Promise<void> {
    await closeConnection(this.#connection);
  }
}
