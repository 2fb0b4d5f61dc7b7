import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Account } from './account.js';
import { createApiHandler } from './api-handler.js';
import { createDownloadHandler } from './download-handler.js';
import { FaultPlan } from './faults.js';
import { Ledger } from './ledger.js';
import { Oracle } from './oracle.js';
import { resolveSimulatorOptions, type SimulatorOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { LinkSigner } from './signed-link.js';
import { seededRandom, type SimulatorHooks, type SimulatorState } from './state.js';
import { TaskStore } from './task-store.js';

export type { SimulatorOptions, ResultQuirks, AccountOptions, PriceKey } from './options.js';
export type { Fault, FaultTarget } from './faults.js';
export type { LedgerSnapshot } from './ledger.js';
export type { SimulatorHooks } from './state.js';
export type { OracleAnswer } from './oracle.js';
export { Ledger } from './ledger.js';
export { Oracle } from './oracle.js';

export interface RunningSimulator {
  /** Base URL of the API origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Base URL of the download origin that serves result files. */
  downloadUrl: string;
  /** The key the simulator accepts. */
  apiKey: string;
  /** What was charged, read and downloaded. Also served at `GET {url}/__admin/ledger`. */
  ledger: Ledger;
  /** The answers the simulator gives, known in advance. */
  oracle: Oracle;
  /** Faults to play on coming requests. */
  faults: FaultPlan;
  /** Moments a test can act on; set its fields at any time. */
  hooks: SimulatorHooks;
  close(): Promise<void>;
}

/**
 * Starts a faithful local simulator of the provider's API (api-contract.md) on two loopback
 * origins: the API, and a download origin for the pre-signed result links.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const resolved = resolveSimulatorOptions(options);
  const oracle = new Oracle({ seed: resolved.seed, yesShare: resolved.yesShare, failureShare: resolved.failureShare });
  let downloadBase = '';
  const signer = new LinkSigner();
  const state: SimulatorState = {
    options: resolved,
    oracle,
    tasks: new TaskStore(
      {
        numbersPerSecond: resolved.numbersPerSecond,
        slotsPerKey: resolved.slotsPerKey,
        queueDelayMs: resolved.queueDelayMs,
        exportDelayMs: resolved.exportDelayMs,
        counterDrift: resolved.quirks.counterDrift ?? 0,
      },
      oracle,
    ),
    ledger: new Ledger(),
    faults: new FaultPlan(),
    signer,
    rateLimiter: resolved.rateLimit
      ? new RateLimiter(resolved.rateLimit.requests, resolved.rateLimit.windowMs)
      : undefined,
    balanceRateLimiter: resolved.balanceRateLimit
      ? new RateLimiter(resolved.balanceRateLimit.requests, resolved.balanceRateLimit.windowMs)
      : undefined,
    account: new Account(resolved.account),
    random: seededRandom(`${resolved.seed}\u0000faults`),
    resultUrl: (task, now) =>
      `${downloadBase}${signer.sign(`/results/${task.taskId}.${resolved.quirks.zip ? 'zip' : 'xlsx'}`, now + resolved.linkTtlMs)}`,
    resultFiles: new Map(),
    hangingSockets: new Set(),
    hooks: {},
  };
  const api = createServer(withErrorGuard(createApiHandler(state)));
  const downloads = createServer(withErrorGuard(createDownloadHandler(state)));
  const apiPort = await listen(api, resolved.host, resolved.port);
  const downloadPort = await listen(downloads, resolved.host, resolved.downloadPort);
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  downloadBase = `http://${host}:${downloadPort}`;
  return {
    url: `http://${host}:${apiPort}`,
    downloadUrl: downloadBase,
    apiKey: resolved.apiKey,
    ledger: state.ledger,
    oracle,
    faults: state.faults,
    hooks: state.hooks,
    close: async () => {
      for (const socket of state.hangingSockets) socket.destroy();
      await Promise.all([closeServer(api), closeServer(downloads)]);
    },
  };
}

type AsyncHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** A handler that throws answers 500 instead of taking the process down. */
function withErrorGuard(handler: AsyncHandler) {
  return (request: IncomingMessage, response: ServerResponse) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":"internal error"}');
      } else {
        response.destroy();
      }
    });
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
