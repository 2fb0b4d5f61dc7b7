import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WaClient, type WaClientOptions } from '../api/client.js';
import { DEFAULT_MAX_AGE_MS } from '../store/result-cache.js';
import { LinkSigner } from '../simulator/signed-link.js';
import { checkNonNegativeNumber, checkOneOf, checkPositiveInteger } from '../validate.js';
import type { ClientKeys, ClientRate } from './client-keys.js';
import { ClientRateLimits } from './client-rate-limits.js';
import { ClientTaskStore } from './client-task-store.js';
import { openStorage } from './gateway-storage.js';
import { createGatewayHandler } from './handler.js';
import { loadLinkSecret } from './link-secret.js';
import { TOP_UP_POLICIES, type TopUpPolicy } from './top-up.js';
import { UpstreamPool } from './upstream-pool.js';
import { UsageLedger } from './usage-ledger.js';

export interface GatewayOptions {
  /** The upstream provider: URL, key, user id, dialect. The key never leaves the gateway. */
  upstream: WaClientOptions;
  /** Who may use the gateway, and their limits. */
  clients: ClientKeys;
  /**
   * The folder of the answer cache, the task journal and the client tasks; with `redisUrl`, of
   * the client tasks only.
   */
  cacheDir: string;
  /**
   * `redis://host:port/db`: answers, claims on numbers and the task journal shared with a fleet
   * of workers (src/store/redis), so that the gateway and `check` workers never pay twice for a
   * number between them. The server must be durable (AOF, `appendfsync always`).
   */
  redisUrl?: string | undefined;
  /** The key of `GET /__gateway/usage`; without one, that path answers 404. */
  adminKey?: string | undefined;
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * Host to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * How long numbers wait for other clients' numbers before an upstream task is cut, in ms.
   * @default 2000
   */
  gatherMs?: number;
  /**
   * How long numbers below the upstream minimum wait for other clients' numbers before `topUp`
   * decides, in ms.
   * @default 60_000
   */
  poolMaxWaitMs?: number;
  /**
   * What becomes of numbers still below the minimum after `poolMaxWaitMs`: `'stale'` fills the
   * upstream task with the oldest cached answers (refreshed, paid), `'none'` fails them unpaid.
   * @default 'stale'
   */
  topUp?: TopUpPolicy;
  /**
   * The largest upstream task.
   * @default 50_000
   */
  maxTaskSize?: number;
  /**
   * Upstream tasks open at once (the provider allows about 5 per key).
   * @default 5
   */
  concurrency?: number;
  /**
   * Cached answers older than this are checked again, in ms.
   * @default 30 days
   */
  maxAgeMs?: number;
  /**
   * The largest upload a client may send, in bytes; larger ones are answered 413.
   * @default 100 MiB
   */
  maxUploadBytes?: number;
  /**
   * How long a result link works, in ms.
   * @default 86_400_000 (a day)
   */
  linkTtlMs?: number;
  /**
   * Requests a client may make per window when the clients file gives it no `rate`; beyond it,
   * 429 with `Retry-After`. Unset: no limit (`wa-check serve` sets 60 a minute, the upper end of
   * what the provider's peers allow, so clients written for the provider already cope with it).
   */
  defaultRate?: ClientRate | undefined;
  /**
   * The price of one number in the account's currency (e.g. 0.0001 USD): `GET /v1/balance` then
   * answers in money rather than in numbers.
   */
  pricePerNumber?: number | undefined;
  /** The clock of rate limits, in ms since 1970 (tests move it by hand). @default Date.now */
  now?: () => number;
  /** One structured event per call (requests, upstream tasks). Never given a key. */
  log?: (event: Record<string, unknown>) => void;
}

export interface RunningGateway {
  /** Base URL clients use instead of the provider's, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stops accepting, lets journal and task writes finish, and closes the cache. */
  close(): Promise<void>;
}

/**
 * Starts `wa-check serve`: the provider's API in front of the provider, with the cache, dedupe,
 * pooling and journal of this package. Client tasks left unfinished by an earlier run (even a
 * crash) are resumed before the first request is served.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? (() => undefined);
  const client = new WaClient(options.upstream);
  const limits = client.taskLimits;
  const maxAgeMs = checkNonNegativeNumber('maxAgeMs', options.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
  const gatherMs = checkNonNegativeNumber('gatherMs', options.gatherMs ?? 2000);
  const maxWaitMs = Math.max(gatherMs, checkNonNegativeNumber('poolMaxWaitMs', options.poolMaxWaitMs ?? 60_000));
  const topUp = checkOneOf('topUp', options.topUp ?? 'stale', TOP_UP_POLICIES);
  const storage = await openStorage({
    stateDir: options.cacheDir,
    redisUrl: options.redisUrl,
    apiKey: options.upstream.apiKey,
    maxAgeMs,
  });
  const store = await ClientTaskStore.open(storage.db, join(options.cacheDir, 'gateway-results'));
  const usage = await UsageLedger.open(storage.db);
  const pool = new UpstreamPool(
    {
      client,
      cache: storage.cache,
      journal: storage.journal,
      fleet: storage.fleet,
      onStarted: (numbers) => store.markStarted(numbers, Date.now()),
      onOutcomes: (outcomes) => store.deliver(outcomes, Date.now()),
      onBelowMinimum: async (counts) => {
        for (const [name, change] of counts) await usage.add(name, change);
      },
      log,
    },
    {
      gatherMs,
      maxWaitMs,
      topUp,
      minRows: limits.minRows,
      maxRows: Math.min(limits.maxRows, checkPositiveInteger('maxTaskSize', options.maxTaskSize ?? 50_000)),
      concurrency: checkPositiveInteger('concurrency', options.concurrency ?? 5),
      maxAgeMs,
      collectRetryMs: 5000,
      adoptEveryMs: 20_000,
    },
  );
  await pool.resume();
  await store.exportCompleted(Date.now());
  for (const task of store.unfinished()) await pool.request(task.waitingFor, task.record.client);

  let baseUrl = '';
  const handler = createGatewayHandler({
    clients: options.clients,
    adminKey: options.adminKey,
    store,
    pool,
    usage,
    rateLimits: new ClientRateLimits(checkRate(options.defaultRate), options.now ?? Date.now),
    pricePerNumber:
      options.pricePerNumber === undefined
        ? undefined
        : checkNonNegativeNumber('pricePerNumber', options.pricePerNumber),
    signer: new LinkSigner(await loadLinkSecret(options.cacheDir)),
    linkTtlMs: checkPositiveInteger('linkTtlMs', options.linkTtlMs ?? 86_400_000),
    maxUploadBytes: checkPositiveInteger('maxUploadBytes', options.maxUploadBytes ?? 100 * 1024 * 1024),
    baseUrl: () => baseUrl,
    log,
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    handler(request, response).catch((error: unknown) => {
      log({ event: 'handler-error', error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":"internal error"}');
      } else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log({ event: 'listening', url: baseUrl, resumedTasks: store.unfinished().length });

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await pool.close();
        await store.flush();
        server.closeAllConnections();
        await closed;
        await storage.close();
      })();
      return closing;
    },
  };
}

function checkRate(rate: ClientRate | undefined): ClientRate | undefined {
  if (rate === undefined) return undefined;
  return {
    requests: checkPositiveInteger('defaultRate.requests', rate.requests),
    windowMs: checkPositiveInteger('defaultRate.windowMs', rate.windowMs),
  };
}
