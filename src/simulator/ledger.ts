/** A plain snapshot of the ledger, as served at the admin path. */
export interface LedgerSnapshot {
  tasksCreated: number;
  numbersCharged: number;
  /** Numbers charged more than once, with how often each was charged. */
  doubleCharged: Record<string, number>;
  statusReads: number;
  downloads: number;
  /** Error answers, which are free, by HTTP status. */
  freeErrors: Record<string, number>;
  /** Download requests that carried an API key or an Authorization header: must stay 0. */
  keysSeenAtDownload: number;
}

/**
 * What the simulated provider would bill, kept per number so that a double charge shows, for
 * both API versions. Numbers are charged by a successful create; status reads are counted (the
 * legacy table lists them as charged, v1 as free), so a client's polling shows.
 */
export class Ledger {
  tasksCreated = 0;
  numbersCharged = 0;
  statusReads = 0;
  /** Balance reads answered (free); kept out of the snapshot, whose shape clients rely on. */
  balanceReads = 0;
  downloads = 0;
  keysSeenAtDownload = 0;
  readonly freeErrors = new Map<number, number>();
  readonly #chargesByNumber = new Map<string, number>();

  recordCreate(numbers: readonly string[]): void {
    this.tasksCreated++;
    this.numbersCharged += numbers.length;
    for (const number of numbers) {
      this.#chargesByNumber.set(number, (this.#chargesByNumber.get(number) ?? 0) + 1);
    }
  }

  recordFreeError(status: number): void {
    this.freeErrors.set(status, (this.freeErrors.get(status) ?? 0) + 1);
  }

  /** How often one number was charged. */
  chargesFor(number: string): number {
    return this.#chargesByNumber.get(number) ?? 0;
  }

  doubleCharged(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [number, count] of this.#chargesByNumber) if (count > 1) result[number] = count;
    return result;
  }

  snapshot(): LedgerSnapshot {
    return {
      tasksCreated: this.tasksCreated,
      numbersCharged: this.numbersCharged,
      doubleCharged: this.doubleCharged(),
      statusReads: this.statusReads,
      downloads: this.downloads,
      freeErrors: Object.fromEntries([...this.freeErrors].map(([status, count]) => [String(status), count])),
      keysSeenAtDownload: this.keysSeenAtDownload,
    };
  }
}
