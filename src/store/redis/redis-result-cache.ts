import type { Redis } from 'ioredis';
import { keyToE164 } from '../../dedupe/number-table.js';
import { ErrorCodes, WaError } from '../../errors.js';
import type { AnswerBatch, CachedAnswer, ResultCache } from '../result-cache.js';
import { AnswerBuckets, DEFAULT_BUCKET_DIGITS, packAnswer, unpackAnswer, unpackColumns } from './answer-buckets.js';
import {
  closeConnection,
  connectRedis,
  execOrThrow,
  type RedisConnection,
  type RedisConnectionOptions,
} from './redis-connection.js';
import { assertDurable } from './redis-durability.js';

export interface RedisResultCacheOptions extends RedisConnectionOptions {
  /**
   * Digits of a number that pick its bucket (see answer-buckets.ts): 5 keeps buckets compact up
   * to ~12.8M answers, 6 up to ~128M. Fixed for a namespace by the first worker that uses it;
   * a different value given later is an error.
   * @default 5
   */
  bucketDigits?: number | undefined;
  /**
   * Refuse a server whose persistence could lose answers that were paid for (see
   * redis-durability.ts). Turn off only for tests or a server checked some other way.
   * @default true
   */
  requireDurability?: boolean | undefined;
}

/** Numbers per script call: the server runs one call at a time, so each stays a few ms long. */
const SCRIPT_CHUNK = 5_000;
/** Buckets per script call, and calls per round trip, when reading the whole cache. */
const READ_BUCKETS = 1_000;
const READ_CALLS = 4;

// Scripts, so that a batch of thousands of numbers costs the client one command per chunk
// instead of one per number (pipelined HGETs: ~20k lookups/s; these: several times that).
// KEYS: bucket keys; ARGV: their fields.
const GET_ANSWERS = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGET', KEYS[i], ARGV[i]) end
return out`;
// KEYS: bucket keys; ARGV: field, value for each.
const PUT_ANSWERS = `
for i = 1, #KEYS do redis.call('HSET', KEYS[i], ARGV[i * 2 - 1], ARGV[i * 2]) end
return #KEYS`;
// ARGV: bucket key prefix, first bucket, end. Buckets are named by number, so none is missed
// and none read twice, without SCAN.
const READ_BUCKETS_SCRIPT = `
local out = {}
for bucket = tonumber(ARGV[2]), tonumber(ARGV[3]) - 1 do
  local fields = redis.call('HGETALL', ARGV[1] .. bucket)
  if #fields > 0 then
    out[#out + 1] = bucket
    out[#out + 1] = #fields / 2
    for i = 1, #fields do out[#out + 1] = fields[i] end
  end
end
return out`;

/** A pipeline with this cache's scripts (ioredis adds defined commands at run time). */
type AnswerPipeline = ReturnType<Redis['pipeline']> & AnswerScripts;
interface AnswerScripts {
  waGetAnswers(keys: number, ...args: string[]): void;
  waPutAnswers(keys: number, ...args: string[]): void;
  waReadBuckets(keys: number, ...args: string[]): void;
}
/** Buckets sampled by estimateSize(). */
const SIZE_SAMPLE = 100;

/**
 * A ResultCache that a fleet of workers shares: answers in Redis hashes, a few bytes each
 * (answer-buckets.ts). Freshness is the caller's, as with LevelDB: answers carry the time they
 * were checked and `isFresh(answer, maxAgeMs, now)` decides. Every call is one round trip
 * (a pipeline), however many numbers it holds.
 */
export class RedisResultCache implements ResultCache {
  readonly #connection: RedisConnection;
  readonly #redis: Redis;
  readonly #buckets: AnswerBuckets;

  private constructor(connection: RedisConnection, buckets: AnswerBuckets) {
    this.#connection = connection;
    this.#redis = connection.client;
    this.#buckets = buckets;
    const redis = this.#redis as Redis & Partial<AnswerScripts>;
    if (!redis.waGetAnswers) {
      redis.defineCommand('waGetAnswers', { lua: GET_ANSWERS });
      redis.defineCommand('waPutAnswers', { lua: PUT_ANSWERS });
      redis.defineCommand('waReadBuckets', { lua: READ_BUCKETS_SCRIPT });
    }
  }

  /**
   * Connects and checks the server. Fails with WA_REDIS_UNAVAILABLE, WA_REDIS_NOT_DURABLE, or
   * WA_INVALID_OPTION (a bad URL, or `bucketDigits` other than the namespace's).
   */
  static async open(options: RedisResultCacheOptions): Promise<RedisResultCache> {
    const asked = options.bucketDigits;
    if (asked !== undefined && (!Number.isInteger(asked) || asked < 1 || asked > 8)) {
      throw new WaError(ErrorCodes.INVALID_OPTION, `Option \`bucketDigits\` should be 1 to 8, got ${asked}.`);
    }
    const connection = await connectRedis(options);
    try {
      if (options.requireDurability ?? true) await assertDurable(connection.client, connection.where, 'paid answers');
      const layoutKey = `${connection.prefix}answers-layout`;
      await connection.client.set(layoutKey, String(asked ?? DEFAULT_BUCKET_DIGITS), 'NX');
      const digits = Number(await connection.client.get(layoutKey));
      if (asked !== undefined && asked !== digits) {
        throw new WaError(
          ErrorCodes.INVALID_OPTION,
          `Option \`bucketDigits\` is ${asked}, but the answers at ${connection.where} are laid out with ${digits}: leave it out, or use another prefix.`,
        );
      }
      return new RedisResultCache(connection, new AnswerBuckets(connection.prefix, digits));
    } catch (error) {
      await closeConnection(connection);
      throw error;
    }
  }

  async getMany(numbers: readonly string[]): Promise<Array<CachedAnswer | undefined>> {
    const found = new Array<CachedAnswer | undefined>(numbers.length).fill(undefined);
    const asked: number[] = [];
    const keys: string[] = [];
    const fields: string[] = [];
    numbers.forEach((number, i) => {
      const place = this.#buckets.locate(number);
      if (!place) return;
      asked.push(i);
      keys.push(place.key);
      fields.push(place.field);
    });
    const pipeline = this.#redis.pipeline() as AnswerPipeline;
    for (let from = 0; from < keys.length; from += SCRIPT_CHUNK) {
      const to = Math.min(keys.length, from + SCRIPT_CHUNK);
      pipeline.waGetAnswers(to - from, ...keys.slice(from, to), ...fields.slice(from, to));
    }
    if (keys.length === 0) return found;
    const values = (await execOrThrow(pipeline)).flat() as Array<string | null>;
    asked.forEach((at, i) => {
      found[at] = unpackAnswer(values[i]);
    });
    return found;
  }

  async putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<void> {
    const keys: string[] = [];
    const pairs: string[] = [];
    for (const [number, answer] of entries) {
      const place = this.#buckets.locate(number);
      if (!place) {
        throw new WaError(ErrorCodes.INVALID_OPTION, `Only E.164 numbers are cached, got '${number.slice(0, 20)}'.`);
      }
      keys.push(place.key);
      pairs.push(place.field, packAnswer(answer));
    }
    if (keys.length === 0) return;
    const pipeline = this.#redis.pipeline() as AnswerPipeline;
    for (let from = 0; from < keys.length; from += SCRIPT_CHUNK) {
      const to = Math.min(keys.length, from + SCRIPT_CHUNK);
      pipeline.waPutAnswers(to - from, ...keys.slice(from, to), ...pairs.slice(from * 2, to * 2));
    }
    // With appendfsync always (checked at open), the server answers once the AOF is synced.
    await execOrThrow(pipeline);
  }

  async deleteMany(numbers: readonly string[]): Promise<void> {
    const pipeline = this.#redis.pipeline();
    for (const number of numbers) {
      const place = this.#buckets.locate(number);
      if (place) pipeline.hdel(place.key, place.field);
    }
    if (pipeline.length > 0) await execOrThrow(pipeline);
  }

  /**
   * In number order, which Redis does not keep: the whole cache is read and sorted in memory
   * first (~60 bytes per answer). For `cache export`; jobs read through answerBatches().
   */
  async *entries(): AsyncIterable<[string, CachedAnswer]> {
    const all: Array<[string, CachedAnswer]> = [];
    for await (const batch of this.answerBatches()) {
      for (let i = 0; i < batch.length; i++) {
        all.push([
          keyToE164(batch.keys[i]!),
          { whatsapp: batch.yes[i] === 1 ? 'yes' : 'no', checkedAt: batch.checkedAtSeconds[i]! * 1000 },
        ]);
      }
    }
    all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    yield* all;
  }

  /** Every answer once, a range of buckets per script call, a few calls per round trip. */
  async *answerBatches(): AsyncIterable<AnswerBatch> {
    const prefix = this.#buckets.keyPrefix;
    const total = this.#buckets.count;
    const step = READ_BUCKETS * READ_CALLS;
    for (let from = 0; from < total; from += step) {
      const pipeline = this.#redis.pipeline() as AnswerPipeline;
      for (let start = from; start < Math.min(total, from + step); start += READ_BUCKETS)
        pipeline.waReadBuckets(0, prefix, String(start), String(Math.min(total, start + READ_BUCKETS)));
      const replies = (await execOrThrow(pipeline)) as Array<Array<number | string>>;
      const batch = this.#batchOf(replies);
      if (batch.length > 0) yield batch;
    }
  }

  /** Script replies (`bucket, count, field, value, ...` per bucket) as one batch of columns. */
  #batchOf(replies: Array<Array<number | string>>): AnswerBatch {
    let capacity = 0;
    for (const reply of replies)
      for (let i = 0; i < reply.length; i += 2 + Number(reply[i + 1]) * 2) capacity += Number(reply[i + 1]);
    const batch: AnswerBatch = {
      length: 0,
      keys: new Float64Array(capacity),
      checkedAtSeconds: new Uint32Array(capacity),
      yes: new Uint8Array(capacity),
    };
    for (const reply of replies) {
      let i = 0;
      while (i < reply.length) {
        const bucket = Number(reply[i]);
        const fields = Number(reply[i + 1]);
        i += 2;
        for (let f = 0; f < fields; f++, i += 2) {
          const { seconds, yes } = unpackColumns(String(reply[i + 1]));
          const at = batch.length++;
          batch.keys[at] = this.#buckets.numberKey(bucket, Number(reply[i]));
          batch.checkedAtSeconds[at] = Math.max(0, seconds);
          batch.yes[at] = yes;
        }
      }
    }
    return batch;
  }

  /**
   * From the sizes of a sample of buckets (buckets fill evenly). Spread by a multiplier prime to
   * 10, so the sample is not only numbers ending in 000 (vanity numbers would skew it).
   */
  async estimateSize(): Promise<number> {
    const count = this.#buckets.count;
    const sample = Math.min(SIZE_SAMPLE, count);
    const pipeline = this.#redis.pipeline();
    for (let i = 0; i < sample; i++) pipeline.hlen(this.#buckets.keyOf((i * 38_197 + 12_345) % count));
    const sizes = (await execOrThrow(pipeline)) as number[];
    return Math.round((sizes.reduce((sum, size) => sum + size, 0) * count) / sample);
  }

  async close(): Promise<void> {
    await closeConnection(this.#connection);
  }
}
