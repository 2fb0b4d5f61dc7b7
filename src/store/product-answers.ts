import type { Product } from '../api/products.js';
import type { ResultExtras } from '../api/reconcile.js';
import { ErrorCodes, WaError } from '../errors.js';
import { DURABLE_WRITE, type StringSublevel, storageError } from './cache-folder.js';
import { entryBatches } from './entry-batches.js';
import { decodeAnswer, encodeAnswer, type CachedAnswer, type ResultCache } from './result-cache.js';

/** The richer products, whose answers also answer a plain `ws` question (never the other way round). */
export const RICHER_PRODUCTS: ReadonlyArray<Exclude<Product, 'ws'>> = ['ws_active', 'ws_avatar'];

/**
 * A product's answer as stored: the `ws` encoding (`y1732712345`), a tab, then its extra
 * columns as JSON. Tabs never occur in the answer part, so the split is exact.
 */
export function encodeProductAnswer(answer: CachedAnswer): string {
  return `${encodeAnswer(answer)}\t${JSON.stringify(answer.extras ?? {})}`;
}

export function decodeProductAnswer(value: string | undefined): CachedAnswer | undefined {
  if (value === undefined) return undefined;
  const tab = value.indexOf('\t');
  const answer = decodeAnswer(tab < 0 ? value : value.slice(0, tab));
  if (!answer || tab < 0) return answer;
  try {
    const extras = JSON.parse(value.slice(tab + 1)) as unknown;
    if (extras && typeof extras === 'object' && !Array.isArray(extras))
      return { ...answer, extras: extras as ResultExtras };
  } catch {
    // An unreadable extras part still leaves the yes/no answer, which is what was paid for first.
  }
  return answer;
}

/**
 * One product's answers in a sublevel of the cache folder (`answers-ws_active`, ...), beside
 * the `ws` answers, which stay where they always were (and in the answer log). Writes go
 * through the folder's queue, synced like every paid answer. Closing it closes nothing: the
 * folder belongs to the LevelResultCache it came from.
 */
export class LevelProductAnswers implements ResultCache {
  readonly #answers: StringSublevel;
  readonly #serially: <T>(write: () => Promise<T>) => Promise<T>;
  readonly #path: string;

  constructor(answers: StringSublevel, serially: <T>(write: () => Promise<T>) => Promise<T>, path: string) {
    this.#answers = answers;
    this.#serially = serially;
    this.#path = path;
  }

  async getMany(numbers: readonly string[]): Promise<Array<CachedAnswer | undefined>> {
    const values = await this.#answers.getMany([...numbers]).catch((error) => {
      throw storageError(this.#path, error);
    });
    return values.map(decodeProductAnswer);
  }

  async putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<void> {
    if (entries.length === 0) return;
    const puts = entries.map(([number, answer]) => ({
      type: 'put' as const,
      key: number,
      value: encodeProductAnswer(answer),
    }));
    await this.#serially(() => this.#answers.batch(puts, DURABLE_WRITE)).catch((error) => {
      throw storageError(this.#path, error);
    });
  }

  async deleteMany(numbers: readonly string[]): Promise<void> {
    if (numbers.length === 0) return;
    const deletes = numbers.map((key) => ({ type: 'del' as const, key }));
    await this.#serially(() => this.#answers.batch(deletes, DURABLE_WRITE)).catch((error) => {
      throw storageError(this.#path, error);
    });
  }

  async *entries(): AsyncIterable<[string, CachedAnswer]> {
    for await (const batch of entryBatches(this.#answers.iterator(), this.#path)) {
      for (const [number, value] of batch) {
        const answer = decodeProductAnswer(value);
        if (answer) yield [number, answer];
      }
    }
  }

  async close(): Promise<void> {}
}

/**
 * The answers of `product` in `cache`: the cache itself for `ws`, else its product view. A cache
 * without product views (a Redis cache, one of your own without `forProduct`) refuses the richer
 * products with `WA_INVALID_OPTION`, before anything is paid.
 */
export function productAnswers(cache: ResultCache, product: Product): ResultCache {
  if (product === 'ws') return cache;
  if (cache.forProduct) return cache.forProduct(product);
  throw new WaError(
    ErrorCodes.INVALID_OPTION,
    `This cache keeps ws answers only, so ${product} answers (and their extra columns) could not be kept: use a cache folder (cacheDir) or a MemoryResultCache for product ${product}, or a cache with forProduct().`,
  );
}
