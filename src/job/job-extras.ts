import { PRODUCT_SPECS, type Product } from '../api/products.js';
import type { ResultExtras } from '../api/reconcile.js';

/**
 * The extra columns of a richer product's answers (`ws_active`, `ws_avatar`), per number, for
 * the job's output. Only such a job has one: a `ws` job keeps no object per number, so the warm
 * path stays as lean as ever. Values are the provider's, as opaque text; a column the answer
 * lacks is empty.
 */
export class JobExtras {
  /** The product's extra columns, in the order the output shows them. */
  readonly columns: readonly string[];
  readonly #byKey = new Map<number, ResultExtras>();

  constructor(product: Exclude<Product, 'ws'>) {
    this.columns = PRODUCT_SPECS[product].extraColumns;
  }

  /** Keeps a number's extras, in the product's column order (header case as the spec spells it). */
  set(key: number, extras: ResultExtras | undefined): void {
    const byLowerName = new Map<string, string>();
    for (const [name, value] of Object.entries(extras ?? {})) byLowerName.set(name.toLowerCase(), String(value));
    const ordered: ResultExtras = {};
    for (const column of this.columns) ordered[column] = byLowerName.get(column) ?? '';
    this.#byKey.set(key, ordered);
  }

  /** A number's extras; every column empty when none were kept. */
  get(key: number): ResultExtras {
    return this.#byKey.get(key) ?? Object.fromEntries(this.columns.map((column) => [column, '']));
  }
}

/** The extras of a job of `product`, or none for `ws`. */
export function jobExtrasFor(product: Product): JobExtras | undefined {
  return product === 'ws' ? undefined : new JobExtras(product);
}
