import { PRODUCT_SPECS, type Product } from '../api/products.js';

/** What the simulated provider answers for one number. `fail`: it could not be checked. */
export type OracleAnswer = 'yes' | 'no' | 'fail';

export interface OracleOptions {
  /** Seed of the hash: the same seed gives the same answers in every run. */
  seed: string;
  /** Share of numbers that have WhatsApp, from 0 to 1. */
  yesShare: number;
  /** Share of numbers the provider fails to check, from 0 to 1. */
  failureShare: number;
}

/**
 * A deterministic oracle: a seeded hash of the E.164 number decides its answer, so a test knows
 * every answer in advance and two simulators with the same seed agree.
 */
export class Oracle {
  readonly #seed: string;
  readonly #yesShare: number;
  readonly #failureShare: number;

  constructor(options: OracleOptions) {
    this.#seed = options.seed;
    this.#yesShare = options.yesShare;
    this.#failureShare = options.failureShare;
  }

  answer(e164: string): OracleAnswer {
    if (unitHash(`${this.#seed}\u0000fail\u0000${e164}`) < this.#failureShare) return 'fail';
    return unitHash(`${this.#seed}\u0000yes\u0000${e164}`) < this.#yesShare ? 'yes' : 'no';
  }

  /**
   * A product's extra columns for one number, as the text a result file's reader sees (the file
   * writes `activedays` and `age` as numeric cells). Every product answers `activated` as `ws`
   * does, so a number without WhatsApp has no activity or profile: its extras are empty.
   * `ws` has no extras.
   */
  extras(product: Product, e164: string): Record<string, string> {
    const columns = PRODUCT_SPECS[product].extraColumns;
    const known = this.answer(e164) === 'yes';
    const pick = <T>(column: string, choices: readonly T[]): T =>
      choices[Math.floor(unitHash(`${this.#seed}\u0000${column}\u0000${e164}`) * choices.length)]!;
    const values: Record<string, string> =
      product === 'ws_active'
        ? {
            // Days before a fixed day, not before today: a test knows the value in any year.
            activetime: new Date(Date.UTC(2026, 0, 1) - pick('activetime', DAYS) * 86_400_000)
              .toISOString()
              .slice(0, 10),
            activedays: String(pick('activedays', DAYS)),
            business: pick('business', ['yes', 'no', 'no']),
          }
        : product === 'ws_avatar'
          ? {
              age: String(pick('age', AGES)),
              avatar: pick('avatar', ['yes', 'yes', 'no']),
              category: pick('category', ['personal', 'personal', 'business']),
              gender: pick('gender', ['male', 'female']),
              hair_color: pick('hair_color', ['black', 'brown', 'blonde', 'red', 'gray']),
              skin_color: pick('skin_color', ['light', 'medium', 'dark']),
            }
          : {};
    return Object.fromEntries(columns.map((column) => [column, known ? (values[column] ?? '') : '']));
  }
}

const DAYS = Array.from({ length: 31 }, (_, i) => i);
const AGES = Array.from({ length: 53 }, (_, i) => 18 + i);

/** A 53-bit string hash (cyrb53) mapped to [0, 1). */
export function unitHash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return hash / 2 ** 53;
}
