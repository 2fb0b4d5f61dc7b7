import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ErrorCodes, WaError } from '../errors.js';

/** One client of the gateway, as the clients file names it. */
export interface GatewayClient {
  /** The name logs, the ledger and the usage report show: never the key. */
  name: string;
  /** The most numbers the gateway may pay for upstream on this client's behalf; unset: no limit. */
  maxSpend?: number | undefined;
  /** Requests this client may make per window before it is answered 429; unset: the gateway's default. */
  rate?: ClientRate | undefined;
}

/** A request limit, as the provider's peers set one (20 to 60 a minute). */
export interface ClientRate {
  /** Requests allowed in any window. */
  requests: number;
  /** The sliding window, in ms. */
  windowMs: number;
}

/**
 * The clients file: `{"keys": {"<client key>": {"name": "alice", "maxSpend": 100000, "rate":
 * {"requests": 60, "windowMs": 60000}}}}`. Keys are
 * kept only as hashes, so a heap dump or an error message cannot show one.
 */
export class ClientKeys {
  readonly #byHash = new Map<string, GatewayClient>();

  constructor(clients: Record<string, GatewayClient>) {
    for (const [key, client] of Object.entries(clients)) this.#byHash.set(hashKey(key), client);
  }

  /** Reads and checks a clients file; a bad file is `WA_INVALID_OPTION` naming the entry, not the key. */
  static async load(path: string): Promise<ClientKeys> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (cause) {
      throw new WaError(ErrorCodes.INVALID_OPTION, `The clients file ${path} is not readable JSON.`, { cause });
    }
    return new ClientKeys(parseClients(parsed, path));
  }

  /** The client a presented key belongs to, or undefined (answered 401). */
  find(key: string | undefined): GatewayClient | undefined {
    if (!key) return undefined;
    return this.#byHash.get(hashKey(key));
  }

  get size(): number {
    return this.#byHash.size;
  }
}

function parseClients(parsed: unknown, path: string): Record<string, GatewayClient> {
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!keys || typeof keys !== 'object' || Array.isArray(keys)) {
    throw new WaError(
      ErrorCodes.INVALID_OPTION,
      `The clients file ${path} needs an object "keys": {"<key>": {"name": ...}}.`,
    );
  }
  const clients: Record<string, GatewayClient> = {};
  const names = new Set<string>();
  let index = 0;
  for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
    index++;
    const entry = (value ?? {}) as { name?: unknown; maxSpend?: unknown; rate?: unknown };
    const where = `entry ${index} of ${path}`;
    if (key.length < 8)
      throw new WaError(ErrorCodes.INVALID_OPTION, `The key of ${where} is shorter than 8 characters.`);
    if (typeof entry.name !== 'string' || entry.name.trim() === '') {
      throw new WaError(ErrorCodes.INVALID_OPTION, `The ${where} needs a non-empty "name".`);
    }
    if (names.has(entry.name))
      throw new WaError(ErrorCodes.INVALID_OPTION, `The name "${entry.name}" is used twice in ${path}.`);
    names.add(entry.name);
    const maxSpend = entry.maxSpend;
    if (maxSpend !== undefined && (typeof maxSpend !== 'number' || !Number.isInteger(maxSpend) || maxSpend < 0)) {
      throw new WaError(
        ErrorCodes.INVALID_OPTION,
        `"maxSpend" of client "${entry.name}" should be a whole number >= 0.`,
      );
    }
    clients[key] = { name: entry.name, maxSpend, rate: parseRate(entry.rate, entry.name) };
  }
  return clients;
}

function parseRate(rate: unknown, name: string): ClientRate | undefined {
  if (rate === undefined) return undefined;
  const { requests, windowMs } = (rate ?? {}) as { requests?: unknown; windowMs?: unknown };
  const whole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0;
  if (!whole(requests) || !whole(windowMs)) {
    throw new WaError(
      ErrorCodes.INVALID_OPTION,
      `"rate" of client "${name}" should be {"requests": <whole number > 0>, "windowMs": <whole number > 0>}, got ${JSON.stringify(rate)}.`,
    );
  }
  return { requests, windowMs };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Compares two secrets in constant time (the admin key). */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(Buffer.from(hashKey(given)), Buffer.from(hashKey(expected)));
}
