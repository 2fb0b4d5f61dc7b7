import { checkedAtSecondsOf, keyOfStoredNumber } from './answer-log.js';
import type { AnswerBatch, CachedAnswer, ResultCache } from './result-cache.js';

/** A ResultCache in memory: for tests and short-lived library use; nothing survives the process. */
export class MemoryResultCache implements ResultCache {
  readonly #answers = new Map<string, CachedAnswer>();

  async getMany(numbers: readonly string[]): Promise<Array<CachedAnswer | undefined>> {
    return numbers.map((number) => this.#answers.get(number));
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
    const size = this.#answers.size;
    const batch: AnswerBatch = { length: 0, keys: new Float64Array(size), checkedAtSeconds: new Uint32Array(size), yes: new Uint8Array(size) };
    for (const [number, answer] of this.#answers) {
      const key = keyOfStoredNumber(number);
      if (key === 0) continue;
      const at = batch.length++;
      batch.keys[at] = key;
      batch.checkedAtSeconds[at] = checkedAtSecondsOf(answer);
      batch.yes[at] = answer.whatsapp === 'yes' ? 1 : 0;
    }
    yield batch;
  }

  async estimateSize(): Promise<number> {
    return this.#answers.size;
  }

  async close(): Promise<void> {}
}
