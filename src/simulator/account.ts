import type { PriceKey, ResolvedSimulatorOptions } from './options.js';
import { goTimestamp } from './provider-format.js';

/** Money is counted in millionths, so sums of small prices never drift the way floats do. */
const MICROS = 1_000_000;
const DAY_MS = 86_400_000;

/** What a create costs, or why the account refuses it (a 402, nothing charged). */
export type ChargeResult = { ok: true; micros: number } | { ok: false; reason: string };

/**
 * The simulated account: a balance that each created task lowers by its price, and an optional
 * spend limit per UTC day. One account per simulator: it stands for the one key it accepts.
 */
export class Account {
  readonly #options: ResolvedSimulatorOptions['account'];
  #balanceMicros: number;
  #usedTodayMicros = 0;
  #day = -1;

  constructor(options: ResolvedSimulatorOptions['account']) {
    this.#options = options;
    this.#balanceMicros = Math.round(options.balance * MICROS);
  }

  /** The price of a task of `rows` numbers. */
  priceMicros(kind: PriceKey, rows: number): number {
    return Math.round(this.#options.pricePerNumber[kind] * MICROS) * rows;
  }

  /** Charges a task, or refuses it whole: the provider never creates a task it cannot bill. */
  charge(kind: PriceKey, rows: number, now: number): ChargeResult {
    this.#rollDay(now);
    const micros = this.priceMicros(kind, rows);
    if (micros > this.#balanceMicros) {
      return {
        ok: false,
        reason: `insufficient balance: the task costs ${formatAmount(micros)} ${this.#options.currency}, the balance is ${formatAmount(this.#balanceMicros)}`,
      };
    }
    const limit = this.#options.dailyLimit;
    if (limit !== null && this.#usedTodayMicros + micros > Math.round(limit * MICROS)) {
      return { ok: false, reason: `daily limit reached: ${limit} ${this.#options.currency} a day` };
    }
    this.#balanceMicros -= micros;
    this.#usedTodayMicros += micros;
    return { ok: true, micros };
  }

  /** The balance answer: `{ balance }`, or the detailed one where a daily limit is set. */
  body(now: number): Record<string, unknown> {
    this.#rollDay(now);
    const balance = this.#balanceMicros / MICROS;
    const limit = this.#options.dailyLimit;
    if (limit === null) return { balance };
    return {
      status: 'OK',
      balance,
      credit: this.#options.credit,
      used_today: this.#usedTodayMicros / MICROS,
      daily_limit: limit,
      reset_time: goTimestamp((Math.floor(now / DAY_MS) + 1) * DAY_MS),
    };
  }

  #rollDay(now: number): void {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#usedTodayMicros = 0;
    }
  }
}

/** An amount as the provider writes one in a task: a decimal string. */
export function formatAmount(micros: number): string {
  return (micros / MICROS).toFixed(6).replace(/(\.\d\d\d\d)0+$/, '$1');
}
