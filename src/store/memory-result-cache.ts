import { answerBatchOf } from './answer-batch.js';
import type { Product } from '../api/products.js';
import type { AnswerBatch, CachedAnswer, ResultCache } from './result-cache.js';

/** A ResultCache in memory: for tests and short-lived library use; nothing survives the process. */
export class MemoryResultCache implements ResultCache {
  readonly #answers = new Map<string, CachedAnswer>();
  readonly #products = new Map<Product, MemoryResultCache>();

  /** A richer product's answers, kept apart from these (`ws`). */
  forProduct(product: Exclude<Product, 'ws'>): MemoryResultCache {
    const answers = this.#products.get(product) ?? new MemoryResultCache();
    this.#products.set(product, answers);
    return answers;
  }

  async getMany(numbers: readonly string[]): Promise<Array<CachedAnswer | undefined>> {
    return numbers.map((number) => {
      const answer = this.#answers.get(number);
      return answer && { ...answer };
    });
  }

  async putMany(entries: ReadonlyArray<readonly [string, CachedAnswer]>): Promise<void> {
    for (const [number, answer] of entries) this.#answers.set(number, { ...answer });
  }

  async deleteMany(numbers: readonly string[]): Promise<void> {
    for (const number of numbers) this.#answers.delete(number);
  }

  async *entries(): AsyncIterable<[string, CachedAnswer]> {
    for (const number of [...this.#answers.keys()].sort()) yield [number, { ...this.#answers.get(number)! }];
  }

  async *answerBatches(): AsyncIterable<AnswerBatch> {
    yield answerBatchOf(this.#answers, this.#answers.size);
  }

  async estimateSize(): Promise<number> {
    return this.#answers.size;
  }

  async close(): Promise<void> {}
}
