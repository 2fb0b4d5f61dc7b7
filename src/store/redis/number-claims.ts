/**
 * Claims on numbers, so that two workers checking overlapping lists at once pay for the overlap
 * once. A number is claimed before it goes into a task; the worker that holds the claim pays
 * for it, the others wait for its answer in the shared cache.
 *
 * One key per number, `claim:{e164}`, holding either
 * - a worker's token with a lease (PX), renewed while the number waits for its task: a worker that
 *   dies before uploading lets its claims lapse, and another worker claims them again; or
 * - `task:{journal id}`, without expiry, once the task is about to be uploaded (`pin`): from then
 *   on the number may have been paid for, so no lease may lapse into a second upload. Whoever
 *   finishes the task (its worker, or one that adopts it from the journal) releases the pins
 *   after the answers are in the cache.
 *
 * Order that keeps the money invariant across workers:
 *   claim -> read the cache again for the claimed numbers (claimUnanswered does both: an answer
 *   may have landed between the first lookup and the claim) -> journal `prepared` -> pin (the
 *   journal does it atomically with `uploading` when given these claims; refused if a claim
 *   lapsed) -> create -> `submitted` -> answers into the cache -> journal `done` -> release
 *   (the journal again).
 */
import type { Redis } from 'ioredis';
import { type CachedAnswer, isFresh, type ResultCache } from '../result-cache.js';
import type { JournalEntry } from '../task-journal.js';
import {
  closeConnection,
  connectRedis,
  holderToken,
  positiveWholeNumber,
  execOrThrow,
  type RedisConnection,
  type RedisConnectionOptions,
} from './redis-connection.js';

export interface NumberClaimsOptions extends RedisConnectionOptions {
  /**
   * How long a claim lasts without renewal; claims are renewed every third of it while held.
   * @default 120_000
   */
  leaseMs?: number | undefined;
}

/** What a claim found: numbers now ours, and numbers another worker (or a task) holds. */
export interface ClaimResult {
  claimed: string[];
  taken: string[];
}

/** Numbers per script call: big batches would hold the server for too long in one go. */
const CHUNK = 1_000;

// One script for every change of a claim, so each is atomic per number.
// KEYS: claim keys. ARGV: mode, our token, lease ms or pin value. Returns 1 where it applied.
const CLAIMS = `
local mode, token, arg = ARGV[1], ARGV[2], ARGV[3]
local out = {}
for i, key in ipairs(KEYS) do
  local held = redis.call('GET', key)
  out[i] = 0
  if mode == 'claim' then
    if not held then
      redis.call('SET', key, token, 'PX', arg)
      out[i] = 1
    elseif held == token then
      redis.call('PEXPIRE', key, arg)
      out[i] = 1
    end
  elseif mode == 'renew' then
    if held == token then
      redis.call('PEXPIRE', key, arg)
      out[i] = 1
    end
  elseif mode == 'pin' then
    if held == token or held == arg then
      redis.call('SET', key, arg)
      out[i] = 1
    end
  elseif mode == 'release' then
    if held == token or held == arg then
      redis.call('DEL', key)
      out[i] = 1
    end
  end
end
return out`;

interface ClaimScripts {
  waClaims(keys: number, ...args: string[]): void;
}
type ClaimsRedis = Redis & Partial<ClaimScripts>;
type Mode = 'claim' | 'renew' | 'pin' | 'release';

export class NumberClaims {
  readonly leaseMs: number;
  /** This worker's name on its claims. */
  readonly token = holderToken();
  readonly #connection: RedisConnection;
  readonly #redis: ClaimsRedis;
  readonly #prefix: string;
  /** Numbers claimed with a lease and not yet pinned or released: the renewal keeps them. */
  readonly #leased = new Set<string>();
  readonly #timer: NodeJS.Timeout;

  private constructor(connection: RedisConnection, leaseMs: number) {
    this.#connection = connection;
    this.#redis = connection.client as ClaimsRedis;
    if (!this.#redis.waClaims) this.#redis.defineCommand('waClaims', { lua: CLAIMS });
    this.#prefix = `${connection.prefix}claim:`;
    this.leaseMs = leaseMs;
    this.#timer = setInterval(() => void this.#renewHeld(), Math.max(1, Math.floor(leaseMs / 3)));
    this.#timer.unref();
  }

  static async open(options: NumberClaimsOptions): Promise<NumberClaims> {
    const leaseMs = positiveWholeNumber('leaseMs', options.leaseMs, 120_000);
    return new NumberClaims(await connectRedis(options), leaseMs);
  }

  /** Claims what nobody holds (or we already hold), atomically per number. */
  async claim(numbers: readonly string[]): Promise<ClaimResult> {
    const applied = await this.#run('claim', numbers, String(this.leaseMs));
    const result: ClaimResult = { claimed: [], taken: [] };
    numbers.forEach((number, i) => {
      if (applied[i]) {
        result.claimed.push(number);
        this.#leased.add(number);
      } else result.taken.push(number);
    });
    return result;
  }

  /**
   * Claims numbers, then reads the cache again for those it got: an answer another worker
   * stored between the caller's lookup and this claim is taken from the cache and its claim
   * released, never paid for again.
   */
  async claimUnanswered(
    numbers: readonly string[],
    cache: ResultCache,
    maxAgeMs: number,
  ): Promise<ClaimResult & { answered: Map<string, CachedAnswer> }> {
    const { claimed, taken } = await this.claim(numbers);
    const answers = await cache.getMany(claimed);
    const now = Date.now();
    const answered = new Map<string, CachedAnswer>();
    const stillToCheck: string[] = [];
    claimed.forEach((number, i) => {
      const answer = answers[i];
      if (isFresh(answer, maxAgeMs, now)) answered.set(number, answer);
      else stillToCheck.push(number);
    });
    if (answered.size > 0) await this.release([...answered.keys()]);
    return { claimed: stillToCheck, taken, answered };
  }

  /**
   * Waits for numbers other workers hold: polls the cache every `pollMs` for their answers, and
   * claims any whose claim lapsed unpaid (its worker died before uploading). With `journal`,
   * numbers pinned to a task recorded `unconfirmed` (its create may have been paid, its answer
   * was lost) stop the wait as `unconfirmed`. Resolves when each number is answered, ours or
   * unconfirmed, or when `signal` fires (the rest are then `taken`).
   */
  async awaitOthers(
    numbers: readonly string[],
    cache: ResultCache,
    options: {
      maxAgeMs: number;
      /** @default 1_000 */
      pollMs?: number | undefined;
      signal?: AbortSignal | undefined;
      journal?: { get(ids: readonly string[]): Promise<Array<JournalEntry | undefined>> } | undefined;
    },
  ): Promise<ClaimResult & { answered: Map<string, CachedAnswer>; unconfirmed: string[] }> {
    const answered = new Map<string, CachedAnswer>();
    const claimed: string[] = [];
    const unconfirmed: string[] = [];
    let waiting = [...numbers];
    while (waiting.length > 0 && !options.signal?.aborted) {
      const answers = await cache.getMany(waiting);
      const now = Date.now();
      const unanswered = waiting.filter((number, i) => {
        const answer = answers[i];
        if (!isFresh(answer, options.maxAgeMs, now)) return true;
        answered.set(number, answer);
        return false;
      });
      const found = await this.claimUnanswered(unanswered, cache, options.maxAgeMs);
      for (const [number, answer] of found.answered) answered.set(number, answer);
      claimed.push(...found.claimed);
      waiting = found.taken;
      if (options.journal && waiting.length > 0) {
        const lost = await this.#pinnedToUnconfirmed(waiting, options.journal);
        unconfirmed.push(...lost);
        waiting = waiting.filter((number) => !lost.has(number));
      }
      if (waiting.length > 0) await sleep(options.pollMs ?? 1_000, options.signal);
    }
    return { claimed, taken: waiting, answered, unconfirmed };
  }

  async #pinnedToUnconfirmed(
    numbers: readonly string[],
    journal: { get(ids: readonly string[]): Promise<Array<JournalEntry | undefined>> },
  ): Promise<Set<string>> {
    const holders = await this.holders(numbers);
    const ids = [...new Set(holders.filter((holder) => holder?.startsWith(PIN)).map((pin) => pin!.slice(PIN.length)))];
    const entries = await journal.get(ids);
    const unconfirmed = new Set(ids.filter((_, i) => entries[i]?.state === 'unconfirmed').map(pinOf));
    return new Set(numbers.filter((_, i) => unconfirmed.has(holders[i] ?? '')));
  }

  /**
   * Turns our claims into pins of the task `taskId` (the journal's id), with no expiry: call it
   * right before the task's `uploading` record. Returns the numbers that were no longer ours
   * (their lease lapsed and another worker claimed them): leave them out of the upload.
   */
  async pin(numbers: readonly string[], taskId: string): Promise<string[]> {
    const applied = await this.#run('pin', numbers, pinOf(taskId));
    for (const number of numbers) this.#leased.delete(number);
    return numbers.filter((_, i) => !applied[i]);
  }

  /** Lets go of claims held by us, or pinned to `taskId` (by any worker that finished it). */
  async release(numbers: readonly string[], taskId?: string): Promise<void> {
    await this.#run('release', numbers, taskId === undefined ? '' : pinOf(taskId));
    for (const number of numbers) this.#leased.delete(number);
  }

  /** @internal Numbers the journal handed back to this worker's lease: renewed from now on. */
  retain(numbers: readonly string[]): void {
    for (const number of numbers) this.#leased.add(number);
  }

  /**
   * Releases every claim this worker holds with a lease (not the pins of tasks): for the end of
   * a job, so that numbers it claimed and left (refused tasks, a stop) are free at once.
   */
  async releaseHeld(): Promise<void> {
    await this.release([...this.#leased]);
  }

  /** Who holds each number: a worker's token, `task:{id}` for a pin, or undefined. */
  async holders(numbers: readonly string[]): Promise<Array<string | undefined>> {
    if (numbers.length === 0) return [];
    const values = await this.#redis.mget(numbers.map((number) => this.#prefix + number));
    return values.map((value) => value ?? undefined);
  }

  /** What each claim key starts with (the number follows), for the journal's atomic pins. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  async #renewHeld(): Promise<void> {
    const held = [...this.#leased];
    try {
      const applied = await this.#run('renew', held, String(this.leaseMs));
      // A claim that lapsed is no longer ours: pin() will report it, so nothing is uploaded twice.
      held.forEach((number, i) => {
        if (!applied[i]) this.#leased.delete(number);
      });
    } catch {
      // Unreachable for now: the next tick tries again; pin() is the check that counts.
    }
  }

  async #run(mode: Mode, numbers: readonly string[], arg: string): Promise<number[]> {
    if (numbers.length === 0) return [];
    const pipeline = this.#redis.pipeline() as ReturnType<Redis['pipeline']> & ClaimScripts;
    for (let from = 0; from < numbers.length; from += CHUNK) {
      const keys = numbers.slice(from, from + CHUNK).map((number) => this.#prefix + number);
      pipeline.waClaims(keys.length, ...keys, mode, this.token, arg);
    }
    return (await execOrThrow(pipeline)).flat() as number[];
  }

  /** Stops renewing and disconnects. Claims are not released: they lapse, as a dead worker's do. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await closeConnection(this.#connection);
  }
}

const PIN = 'task:';

function pinOf(taskId: string): string {
  return `${PIN}${taskId}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
  });
}
