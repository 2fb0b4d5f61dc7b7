import type { Socket } from 'node:net';
import type { Account } from './account.js';
import type { FaultPlan } from './faults.js';
import type { Ledger } from './ledger.js';
import type { Oracle } from './oracle.js';
import type { ResolvedSimulatorOptions } from './options.js';
import type { RateLimiter } from './rate-limiter.js';
import type { LinkSigner } from './signed-link.js';
import type { SimulatedTask, TaskStore } from './task-store.js';

/**
 * Moments a test can act on (to kill a client at a precise point, say). Each is awaited before
 * the simulator answers, so the client hears nothing until the hook returns.
 */
export interface SimulatorHooks {
  /** A task was created and charged; its answer is not sent yet. */
  afterCreate?: ((taskId: string, numbers: readonly string[]) => void | Promise<void>) | undefined;
  /** A status read is about to be answered. */
  beforeStatus?: ((taskId: string) => void | Promise<void>) | undefined;
  /** A result file is about to be sent. */
  beforeDownload?: ((taskId: string) => void | Promise<void>) | undefined;
}

/** Everything the simulator's two origins share. */
export interface SimulatorState {
  options: ResolvedSimulatorOptions;
  tasks: TaskStore;
  ledger: Ledger;
  oracle: Oracle;
  faults: FaultPlan;
  signer: LinkSigner;
  rateLimiter: RateLimiter | undefined;
  /** The balance call's own, stricter limit, where one is set. */
  balanceRateLimiter: RateLimiter | undefined;
  account: Account;
  /** Seeded, so fault rates replay the same way. */
  random: () => number;
  /** A fresh pre-signed link to a task's results on the download origin. */
  resultUrl: (task: SimulatedTask, now: number) => string;
  /** Built once per task, on first download. */
  resultFiles: Map<string, Promise<Buffer>>;
  hangingSockets: Set<Socket>;
  hooks: SimulatorHooks;
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: string): () => number {
  let state = 0;
  for (let i = 0; i < seed.length; i++) state = (Math.imul(state, 31) + seed.charCodeAt(i)) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
