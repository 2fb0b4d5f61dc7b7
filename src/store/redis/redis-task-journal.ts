/**
 * The task journal of a fleet: what was sent to the provider and paid for, shared by every worker
 * on one API key, so that a task submitted by a worker that died is collected by another, never
 * uploaded again.
 *
 * Two hashes per account (a hash of the API key: a task id is only good with the key that made
 * it): `journal:{account}` holds each entry as JSON, and `journal-owners:{account}` the worker
 * that owns each open entry. A worker proves it is alive with `worker:{token}`, a key with a
 * lease it renews every third of `leaseMs`. `open()` returns this worker's entries and adopts
 * those whose owner's lease has ended; entries of live workers are left alone.
 *
 * Writes are fenced (in one Lua script): a worker whose own lease has ended, or whose entry was
 * adopted, gets WA_REDIS_LEASE_LOST, and an entry past `prepared` can only be written by its
 * owner. So a worker that stalled past its lease cannot record an upload of a task someone else
 * has adopted. Given the fleet's NumberClaims, the `uploading` write is also the fence on the
 * numbers: it pins them to the task only if this worker still holds every claim (number-claims.ts).
 * An adopted entry found `uploading` is recorded `unconfirmed`: its create may have been paid.
 *
 * Durability: the server must keep every acknowledged write (redis-durability.ts: AOF with
 * appendfsync always), checked at open. The scripts read keys they are not given (an owner's
 * heartbeat), which is fine on one server and not meant for Redis Cluster.
 */
import type { Redis } from 'ioredis';
import { ErrorCodes, WaError } from '../../errors.js';
import type { JournalEntry, TaskJournal } from '../task-journal.js';
import { checkJournalEntry } from '../journal-entry.js';
import type { NumberClaims } from './number-claims.js';
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
import { assertDurable } from './redis-durability.js';

export interface RedisTaskJournalOptions extends RedisConnectionOptions {
  /** The provider key the tasks were created with; only a hash of it is used in Redis. */
  apiKey: string;
  /**
   * How long this worker's entries stay its own without a renewal; after that another worker
   * adopts them. Renewed every third of it.
   * @default 60_000
   */
  leaseMs?: number | undefined;
  /**
   * The fleet's claims on numbers. With them, recording a task `uploading` pins its numbers to
   * the task in the same atomic step, refusing (WA_REDIS_LEASE_LOST) when any of them is no
   * longer claimed by this worker; recording it `done`, or removing it, releases them. The job
   * then never handles pins itself.
   */
  claims?: NumberClaims | undefined;
  /**
   * Refuse a server whose persistence could lose journal writes (redis-durability.ts). Turn off
   * only for tests of data that holds no money.
   * @default true
   */
  requireDurability?: boolean | undefined;
}

// KEYS: entries, owners, our heartbeat. ARGV: id, our token, entry JSON (empty: remove), state,
// claim key prefix, claims token (both empty without claims), claim lease ms. Returns the
// numbers handed back to this worker's lease.
const WRITE = `
if redis.call('EXISTS', KEYS[3]) == 0 then return redis.error_reply('LEASE_LOST own') end
local owner = redis.call('HGET', KEYS[2], ARGV[1])
if owner and owner ~= ARGV[2] then return redis.error_reply('LEASE_LOST adopted') end
if not owner and ARGV[4] ~= 'prepared' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return redis.error_reply('LEASE_LOST adopted')
end
local claims, claimer, pin = ARGV[5], ARGV[6], 'task:' .. ARGV[1]
if claims ~= '' and ARGV[4] == 'uploading' then
  local numbers = cjson.decode(ARGV[3]).numbers
  local lost = 0
  for _, number in ipairs(numbers) do
    local held = redis.call('GET', claims .. number)
    if held ~= claimer and held ~= pin then lost = lost + 1 end
  end
  if lost > 0 then return redis.error_reply('LEASE_LOST claims ' .. lost) end
  for _, number in ipairs(numbers) do redis.call('SET', claims .. number, pin) end
end
-- done: the numbers are answered (or had their try): the pins go. Removed: the task was never
-- sent, or the provider refused it for free; its numbers go back to this worker's lease, to be
-- planned again (a split task) or released by the job.
local kept = {}
if claims ~= '' and (ARGV[4] == 'done' or ARGV[4] == 'removed') then
  local old = redis.call('HGET', KEYS[1], ARGV[1])
  if old then
    for _, number in ipairs(cjson.decode(old).numbers) do
      local held = redis.call('GET', claims .. number)
      if held == pin or held == claimer then
        if ARGV[4] == 'done' then
          redis.call('DEL', claims .. number)
        else
          redis.call('SET', claims .. number, claimer, 'PX', ARGV[7])
          kept[#kept + 1] = number
        end
      end
    end
  end
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return kept
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] == 'done' then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return kept`;

// KEYS: entries, owners. ARGV: our token, heartbeat key prefix. Returns, for each entry now
// ours, 1 if it was just adopted (0 if it was ours already), then its JSON.
const ADOPT = `
local owners = redis.call('HGETALL', KEYS[2])
local mine = {}
for i = 1, #owners, 2 do
  local id, owner = owners[i], owners[i + 1]
  if owner == ARGV[1] or redis.call('EXISTS', ARGV[2] .. owner) == 0 then
    redis.call('HSET', KEYS[2], id, ARGV[1])
    local entry = redis.call('HGET', KEYS[1], id)
    if entry then
      mine[#mine + 1] = owner == ARGV[1] and 0 or 1
      mine[#mine + 1] = entry
    end
  end
end
return mine`;

type JournalRedis = Redis & {
  waJournalWrite(entries: string, owners: string, heartbeat: string, ...args: string[]): Promise<string[]>;
  waJournalAdopt(entries: string, owners: string, token: string, heartbeats: string): Promise<Array<number | string>>;
};

export class RedisTaskJournal implements TaskJournal {
  /** This worker's name as owner of its entries. */
  readonly token = holderToken();
  readonly leaseMs: number;
  readonly #connection: RedisConnection;
  readonly #redis: JournalRedis;
  readonly #entries: string;
  readonly #owners: string;
  readonly #heartbeatPrefix: string;
  readonly #timer: NodeJS.Timeout;
  readonly #claims: NumberClaims | undefined;

  private constructor(connection: RedisConnection, options: RedisTaskJournalOptions, leaseMs: number) {
    this.#connection = connection;
    this.#redis = connection.client as JournalRedis;
    if (!this.#redis.waJournalWrite) {
      this.#redis.defineCommand('waJournalWrite', { numberOfKeys: 3, lua: WRITE });
      this.#redis.defineCommand('waJournalAdopt', { numberOfKeys: 2, lua: ADOPT });
    }
    this.#claims = options.claims;
    const account = accountTag(options.apiKey);
    this.#entries = `${connection.prefix}journal:${account}`;
    this.#owners = `${connection.prefix}journal-owners:${account}`;
    this.#heartbeatPrefix = `${connection.prefix}worker:`;
    this.leaseMs = leaseMs;
    this.#timer = setInterval(() => void this.#beat().catch(() => {}), Math.max(1, Math.floor(leaseMs / 3)));
    this.#timer.unref();
  }

  /** Connects, checks the server keeps every write, and starts this worker's lease. */
  static async open(options: RedisTaskJournalOptions): Promise<RedisTaskJournal> {
    const leaseMs = positiveWholeNumber('leaseMs', options.leaseMs, 60_000);
    const connection = await connectRedis(options);
    try {
      if (options.requireDurability ?? true)
        await assertDurable(connection.client, connection.where, 'the task journal');
    } catch (error) {
      await closeConnection(connection);
      throw error;
    }
    const journal = new RedisTaskJournal(connection, options, leaseMs);
    try {
      await journal.#beat();
    } catch (error) {
      await journal.close();
      throw redisFailed(error);
    }
    return journal;
  }

  get #heartbeat(): string {
    return this.#heartbeatPrefix + this.token;
  }

  async #beat(): Promise<void> {
    await this.#redis.set(this.#heartbeat, '1', 'PX', this.leaseMs);
  }

  async write(entry: JournalEntry): Promise<void> {
    const stored = entry.state === 'done' ? { ...entry, numbers: [] } : entry;
    await this.#write(entry.id, JSON.stringify(stored), entry.state);
  }

  async remove(id: string): Promise<void> {
    await this.#write(id, '', 'removed');
  }

  async #write(id: string, json: string, state: string): Promise<void> {
    try {
      const kept = await this.#redis.waJournalWrite(
        this.#entries,
        this.#owners,
        this.#heartbeat,
        id,
        this.token,
        json,
        state,
        this.#claims?.keyPrefix ?? '',
        this.#claims?.token ?? '',
        String(this.#claims?.leaseMs ?? 0),
      );
      this.#claims?.retain(kept);
    } catch (cause) {
      if (cause instanceof Error && cause.message.startsWith('LEASE_LOST')) {
        throw new WaError(ErrorCodes.REDIS_LEASE_LOST, leaseLostMessage(cause.message, id, this.leaseMs), { cause });
      }
      throw redisFailed(cause);
    }
  }

  /**
   * Every open (not `done`) entry this worker owns: its own, and those it adopts now from
   * workers whose lease ended. Entries of live workers are not returned.
   */
  async open(): Promise<JournalEntry[]> {
    let values: Array<number | string>;
    try {
      values = await this.#redis.waJournalAdopt(this.#entries, this.#owners, this.token, this.#heartbeatPrefix);
    } catch (cause) {
      throw redisFailed(cause);
    }
    const entries: JournalEntry[] = [];
    for (let i = 0; i < values.length; i += 2) {
      let entry = this.#parse(String(values[i + 1]));
      if (entry.state === 'uploading' && Number(values[i]) === 1) {
        // Its worker died between recording the upload and learning the task id: the create may
        // have been paid for. Recorded as such, so workers waiting on its numbers stop waiting.
        entry = { ...entry, state: 'unconfirmed', updatedAt: Date.now() };
        await this.write(entry);
      }
      if (entry.state !== 'done') entries.push(entry);
    }
    return entries;
  }

  /**
   * The entries of these ids as they stand, whoever owns them, without adopting any: for a worker
   * that finds numbers pinned to a task (NumberClaims.holders() says `task:{id}`) and needs to
   * know whether to wait for its answers (`submitted`) or report them unconfirmed.
   */
  async get(ids: readonly string[]): Promise<Array<JournalEntry | undefined>> {
    if (ids.length === 0) return [];
    let values: Array<string | null>;
    try {
      values = await this.#redis.hmget(this.#entries, ...ids);
    } catch (cause) {
      throw redisFailed(cause);
    }
    return values.map((value) => (value === null ? undefined : this.#parse(value)));
  }

  #parse(value: string): JournalEntry {
    try {
      return checkJournalEntry(JSON.parse(value), `in Redis at ${this.#connection.where}`);
    } catch (cause) {
      if (cause instanceof WaError) throw cause;
      throw new WaError(
        ErrorCodes.CACHE_CORRUPT,
        `A task journal entry in Redis at ${this.#connection.where} is damaged. The journal is the record of what was paid for, so it is not reset automatically.`,
        { cause },
      );
    }
  }

  /**
   * Ends this worker's lease at once, so that another worker may adopt what it leaves open (a
   * submitted task it could not collect), and disconnects.
   */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#redis.del(this.#heartbeat).catch(() => {});
    await closeConnection(this.#connection);
  }

  /** Stops renewing and disconnects, leaving the lease to run out: what a worker that dies does. */
  async abandon(): Promise<void> {
    clearInterval(this.#timer);
    await closeConnection(this.#connection);
  }
}

function leaseLostMessage(reason: string, id: string, leaseMs: number): string {
  if (reason.includes('claims')) {
    const lost = reason.split(' ').at(-1);
    return `${lost} of the numbers of task ${id} are no longer claimed by this worker (its claims lapsed; another worker may be paying for them), so the task was not recorded for upload. Run again to continue.`;
  }
  if (reason.endsWith('own')) {
    return `This worker's lease on the task journal ended (it stalled longer than ${leaseMs} ms), so another worker may own its tasks now; task ${id} was not recorded. Run again to continue.`;
  }
  return `Task ${id} belongs to another worker now (it adopted the task after this worker's lease ended); it was not recorded again.`;
}
