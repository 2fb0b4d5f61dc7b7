import { DURABLE_WRITE, stringSublevel, type Database, type StringSublevel } from '../store/cache-folder.js';

/** What one client used: every count is of numbers. */
export interface ClientUsage {
  /** Valid, unique numbers in the client's accepted tasks. */
  submitted: number;
  /** Lines that were not numbers (failures, never paid). */
  invalid: number;
  /** Answered from the cache, free. */
  fromCache: number;
  /** Already on their way upstream for another task: shared, not paid again. */
  joined: number;
  /** Sent upstream for this client: what it cost. */
  paidUpstream: number;
  /** Numbers of tasks refused by the client's limits (402), never paid. */
  refused: number;
  /** Numbers left below the upstream minimum past the longest wait, failed unpaid (`--top-up none`). */
  belowMinimum: number;
  /**
   * Cached answers refreshed to fill this client's task up to the minimum (`--top-up stale`): paid
   * upstream, but the gateway's choice, so not counted against `maxSpend`.
   */
  topUp: number;
}

const EMPTY: ClientUsage = {
  submitted: 0,
  invalid: 0,
  fromCache: 0,
  joined: 0,
  paidUpstream: 0,
  refused: 0,
  belowMinimum: 0,
  topUp: 0,
};

/** Per-client accounting, kept in the cache's LevelDB (synced) so a restart does not forget spend. */
export class UsageLedger {
  readonly #usage = new Map<string, ClientUsage>();
  readonly #records: StringSublevel;

  private constructor(db: Database) {
    this.#records = stringSublevel(db, 'gateway-usage');
  }

  static async open(db: Database): Promise<UsageLedger> {
    const ledger = new UsageLedger(db);
    for await (const [name, value] of ledger.#records.iterator()) {
      ledger.#usage.set(name, { ...EMPTY, ...(JSON.parse(value) as Partial<ClientUsage>) });
    }
    return ledger;
  }

  of(client: string): ClientUsage {
    return { ...(this.#usage.get(client) ?? EMPTY) };
  }

  /** Adds to a client's counts and stores them before resolving. */
  async add(client: string, counts: Partial<ClientUsage>): Promise<void> {
    const usage = this.of(client);
    for (const [field, value] of Object.entries(counts) as Array<[keyof ClientUsage, number]>) usage[field] += value;
    this.#usage.set(client, usage);
    await this.#records.batch([{ type: 'put', key: client, value: JSON.stringify(usage) }], DURABLE_WRITE);
  }

  snapshot(): Record<string, ClientUsage> {
    return Object.fromEntries([...this.#usage].map(([name, usage]) => [name, { ...usage }]));
  }
}
