import type { Redis } from 'ioredis';
import { keyToE164 } from '../../dedupe/number-table.js';
import { ErrorCodes, WaError } from '../../errors.js';
import type { AnswerBatch, CachedAnswer, ResultCache } from '../../cache/result-cache.js';
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

/** Buckets read per round trip when reading the whole cache. */
const SCAN_BATCH = 500;
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
    const pipeline = this.#redis.pipeline();
    const asked: number[] = [];
    numbers.forEach((number, i) => {
      const place = this.#buckets.locate(number);
      if (!place) return;
      pipeline.hget(place.key, place.field);
      asked.push(i);
    });
    const found = new Array<CachedAnswer | undefined>(numbers.length).fill(undefined);
    if (asked.length === 0) return found;
    const replies = await execOrThrow(pipeline);
    asked.forEach((at, i) => {
      found[at] = unpackAnswer(replies[i] as string | null);
    });
    return found;
  }

  async putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const [number, answer] of entries) {
      const place = this.#buckets.locate(number);
      if (!place) {
        throw new WaError(ErrorCodes.INVALID_OPTION, `Only E.164 numbers are cached, got '${number.slice(0, 20)}'.`);
      }
      let fields = byBucket.get(place.key);
      if (!fields) {
        fields = [];
        byBucket.set(place.key, fields);
      }
      fields.push(place.field, packAnswer(answer));
    }
    if (byBucket.size === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const [key, fields] of byBucket) pipeline.hset(key, ...fields);
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

  /** Every answer once, bucket by bucket (SCAN, then HGETALL of a few hundred buckets per trip). */
  async *answerBatches(): AsyncIterable<AnswerBatch> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', this.#buckets.pattern, 'COUNT', SCAN_BATCH);
      cursor = next;
      const buckets = keys.map((key) => this.#buckets.bucketOf(key)).filter((bucket) => bucket >= 0);
      if (buckets.length === 0) continue;
      const pipeline = this.#redis.pipeline();
      for (const bucket of buckets) pipeline.hgetall(this.#buckets.keyOf(bucket));
      const replies = (await execOrThrow(pipeline)) as Array<Record<string, string>>;
      yield this.#batchOf(buckets, replies);
    } while (cursor !== '0');
  }

  #batchOf(buckets: number[], replies: Array<Record<string, string>>): AnswerBatch {
    let capacity = 0;
    for (const fields of replies) for (const _ in fields) capacity++;
    const batch: AnswerBatch = {
      length: 0,
      keys: new Float64Array(capacity),
      checkedAtSeconds: new Uint32Array(capacity),
      yes: new Uint8Array(capacity),
    };
    replies.forEach((fields, i) => {
      for (const field in fields) {
        const { seconds, yes } = unpackColumns(fields[field]!);
        const at = batch.length++;
        batch.keys[at] = this.#buckets.numberKey(buckets[i]!, Number(field));
        batch.checkedAtSeconds[at] = Math.max(0, seconds);
        batch.yes[at] = yes;
      }
    });
    return batch;
  }

  /** From the sizes of a sample of buckets, evenly spaced (buckets fill evenly). */
  async estimateSize(): Promise<number> {
    const sample = Math.min(SIZE_SAMPLE, this.#buckets.count);
    const step = this.#buckets.count / sample;
    const pipeline = this.#redis.pipeline();
    for (let i = 0; i < sample; i++) pipeline.hlen(this.#buckets.keyOf(Math.floor(i * step)));
    const sizes = (await execOrThrow(pipeline)) as number[];
    return Math.round((sizes.reduce((sum, size) => sum + size, 0) * this.#buckets.count) / sample);
  }

  async close(): Promise<void> {
    await closeConnection(this.#connection);
  }
}
