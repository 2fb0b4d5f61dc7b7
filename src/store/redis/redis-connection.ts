import { createHash } from 'node:crypto';
// ioredis: pipelines, Lua scripts by SHA (defineCommand), TLS and reconnects in one well-kept client.
import type { Redis } from 'ioredis';
import { ErrorCodes, invalidOption, WaError } from '../../errors.js';

/** How a Redis store reaches its server. Every store takes these. */
export interface RedisConnectionOptions {
  /**
   * `redis://host:port/db`, or `rediss://` for TLS. A password may be in the URL
   * (`redis://:secret@host:6379/0`); without one, `WA_CHECK_REDIS_PASSWORD` is used. The
   * password never appears in messages.
   */
  url?: string | undefined;
  /**
   * An open ioredis client to share between stores instead of `url`. The store does not close
   * it: its owner does.
   */
  client?: Redis | undefined;
  /**
   * The prefix of every key the stores write, so that one Redis can hold several fleets.
   * @default 'wa-check:'
   */
  prefix?: string | undefined;
  /** Where `WA_CHECK_REDIS_PASSWORD` is read. @default process.env */
  env?: Record<string, string | undefined> | undefined;
}

/** A connected client, the server named without secrets, and whether the store must close it. */
export interface RedisConnection {
  client: Redis;
  /** `redis://host:port/db`, without user or password: for messages. */
  where: string;
  prefix: string;
  owned: boolean;
}

export const DEFAULT_PREFIX = 'wa-check:';

/** Reconnects a command waits through before it fails with WA_REDIS_UNAVAILABLE. */
const REDIS_RETRIES = 3;

/** Connects (or adopts `client`), failing with WA_REDIS_UNAVAILABLE or WA_INVALID_OPTION. */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (options.client) {
    const { host, port, db } = options.client.options;
    return { client: options.client, where: `redis://${host}:${port}/${db ?? 0}`, prefix, owned: false };
  }
  if (!options.url) {
    throw new WaError(ErrorCodes.INVALID_OPTION, 'Option `url` should be a redis:// or rediss:// URL, got nothing.');
  }
  const target = parseRedisUrl(options.url, options.env ?? process.env);
  // Loaded on use: ioredis costs ~115 ms of CPU to load, and a job without `redis` (the CLI's
  // every job but a fleet's) never needs it.
  const { Redis } = await import('ioredis');
  await keepStringPrototypeFast();
  const client = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    tls: target.tls ? { servername: target.host } : undefined,
    lazyConnect: true,
    connectTimeout: 10_000,
    // A server that went away fails commands at once instead of queueing them through
    // reconnects (ioredis's defaults: about 20 over more than a minute), so that a job stops
    // creating tasks soon rather than waiting: its tasks are journaled, and a rerun picks them up.
    enableOfflineQueue: false,
    maxRetriesPerRequest: REDIS_RETRIES,
    retryStrategy: (times) => Math.min(times * 200, 1_000),
  });
  // Connection errors surface through connect() and the commands; unhandled 'error' events would crash.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (cause) {
    client.disconnect();
    throw new WaError(
      ErrorCodes.REDIS_UNAVAILABLE,
      `Cannot reach Redis at ${target.where}: ${redact(String((cause as Error)?.message ?? cause), target.password)}`,
      { cause: redactedCause(cause, target.password) },
    );
  }
  return { client, where: target.where, prefix, owned: true };
}

interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  where: string;
}

/** Parses and checks a store URL; the password comes from the URL, else WA_CHECK_REDIS_PASSWORD. */
export function parseRedisUrl(text: string, env: Record<string, string | undefined>): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WaError(ErrorCodes.INVALID_OPTION, 'Option `url` should be a redis:// or rediss:// URL.');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new WaError(
      ErrorCodes.INVALID_OPTION,
      `Option \`url\` should start with redis:// or rediss://, got '${url.protocol}//'.`,
    );
  }
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) {
    throw new WaError(
      ErrorCodes.INVALID_OPTION,
      `Option \`url\` should end in a database number (/0), got '/${path}'.`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = url.port === '' ? 6379 : Number(url.port);
  const password = url.password !== '' ? decodeURIComponent(url.password) : env.WA_CHECK_REDIS_PASSWORD || undefined;
  return {
    host,
    port,
    db,
    username: url.username !== '' ? decodeURIComponent(url.username) : undefined,
    password,
    tls: url.protocol === 'rediss:',
    where: `${url.protocol}//${url.host}/${db}`,
  };
}

/**
 * The part of a key name that stands for a provider account: a hash of the API key, never the
 * key itself (Redis keys are visible to anyone with MONITOR, KEYS or a dump).
 */
export function accountTag(apiKey: string): string {
  return createHash('sha256').update(`wa-check account\n${apiKey}`).digest('hex').slice(0, 20);
}

/** A random token naming one holder of a lease (a worker, a slot). */
export function holderToken(): string {
  return `${process.pid.toString(36)}-${crypto.randomUUID()}`;
}

export async function closeConnection(connection: RedisConnection): Promise<void> {
  if (!connection.owned) return;
  // A server that cannot be reached would hold a QUIT through every reconnect.
  if (connection.client.status !== 'ready') {
    connection.client.disconnect();
    return;
  }
  try {
    await connection.client.quit();
  } catch {
    connection.client.disconnect();
  }
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}

function redactedCause(cause: unknown, secret: string | undefined): unknown {
  if (!secret || !(cause instanceof Error) || !cause.message.includes(secret)) return cause;
  return new Error(redact(cause.message, secret));
}

/** Runs a pipeline; the first failed command fails the call, as a WaError. */
export async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  let results: Array<[Error | null, unknown]> | null;
  try {
    results = await pipeline.exec();
  } catch (cause) {
    throw redisFailed(cause);
  }
  if (!results) throw redisFailed(new Error('the pipeline was discarded'));
  return results.map(([error, value]) => {
    if (error) throw redisFailed(error);
    return value;
  });
}

export function redisFailed(cause: unknown): WaError {
  return new WaError(
    ErrorCodes.REDIS_UNAVAILABLE,
    `A Redis command failed: ${(cause as Error)?.message ?? String(cause)}`,
    { cause },
  );
}

/** A lease or interval option: `value`, or `fallback` when it is not given. */
export function positiveWholeNumber(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen <= 0) invalidOption(name, 'a positive whole number', value);
  return chosen;
}

/**
 * ioredis's RESP3 reader defines `class VerbatimString extends String`, which leaves
 * `String.prototype` in dictionary mode once loaded: every string method call on this thread then
 * costs ~5x (a loop of `charCodeAt`: 1,042 against 183 ms), the job's CSV writing and parsing
 * with it. Making one instance has V8 make the prototype chain fast again (the lookup of a new
 * object's prototypes does), which a test holds with `%HasFastProperties`.
 */
async function keepStringPrototypeFast(): Promise<void> {
  const { VerbatimString } = await import('ioredis/built/resp/verbatim-string.js');
  new VerbatimString('txt', '');
}
