import { WaClient, type WaClientOptions } from '../api/client.js';
import { ErrorCodes, WaError } from '../errors.js';
import { parseRedisUrl } from '../store/redis/redis-connection.js';
import { checkPositiveInteger } from '../validate.js';

/** A job run as one worker of a fleet on one Redis (see src/store/redis/README.md). */
export interface FleetOptions {
  /**
   * `redis://host:port/db`, or `rediss://` for TLS. A password may be in the URL
   * (`redis://:secret@host:6379/0`); without one, `WA_CHECK_REDIS_PASSWORD` is used. The
   * password never appears in messages. The server must keep every write (`appendonly yes`,
   * `appendfsync always`, no `allkeys-*` eviction): the job refuses it otherwise
   * (WA_REDIS_NOT_DURABLE).
   */
  url: string;
  /**
   * The prefix of every key, so that one Redis can hold several fleets.
   * @default 'wa-check:'
   */
  prefix?: string | undefined;
  /**
   * How long a worker's claims, task slots and journal entries outlive it: a worker that dies
   * leaves its numbers, slots and tasks to the others after this. Renewed every third of it.
   * @default 60_000
   */
  leaseMs?: number | undefined;
  /**
   * How often the cache is read for numbers another worker is paying for, and dead workers'
   * tasks are looked for.
   * @default 1_000
   */
  pollMs?: number | undefined;
  /**
   * The API key the slots and the journal are counted for (only a hash of it reaches Redis).
   * Taken from `client` when it is given as options; needed with a `WaClient` of your own.
   */
  apiKey?: string | undefined;
  /** Where `WA_CHECK_REDIS_PASSWORD` is read. @default process.env */
  env?: Record<string, string | undefined> | undefined;
}

/** Checks the fleet options eagerly (the URL without echoing it: it may hold a password). */
export function checkFleetOptions(fleet: FleetOptions, client: WaClient | WaClientOptions | undefined): void {
  parseRedisUrl(fleet.url, fleet.env ?? process.env);
  if (fleet.leaseMs !== undefined) checkPositiveInteger('redis.leaseMs', fleet.leaseMs);
  if (fleet.pollMs !== undefined) checkPositiveInteger('redis.pollMs', fleet.pollMs);
  if (client) fleetApiKey(fleet, client);
}

/** The key the fleet's slots and journal are counted for. */
export function fleetApiKey(fleet: FleetOptions, client: WaClient | WaClientOptions | undefined): string {
  if (fleet.apiKey) return fleet.apiKey;
  if (client && !(client instanceof WaClient)) return client.apiKey;
  throw new WaError(
    ErrorCodes.INVALID_OPTION,
    'Option `redis.apiKey` is needed with a WaClient of your own: the fleet counts task slots per API key.',
  );
}
