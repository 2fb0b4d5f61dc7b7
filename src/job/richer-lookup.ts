import { RICHER_PRODUCTS } from '../store/product-answers.js';
import type { ResultCache } from '../store/result-cache.js';
import { withDefaults } from '../store/with-defaults.js';
import { CacheLookup } from './cache-lookup.js';
import type { JobState } from './job-state.js';

/**
 * For a `ws` job: numbers the `ws` answers left unknown are looked up in the richer products'
 * answers, since every product answers `activated` (a `ws_active` answer says yes or no too;
 * never the other way round). Skipped when every number is answered (the warm path) or the
 * cache keeps no product answers. Returns how many numbers they answered (not paid for).
 */
export async function lookUpInRicherProducts(cache: ResultCache, state: JobState, maxAgeMs: number): Promise<number> {
  if (!cache.forProduct) return 0;
  const before = state.counts.cacheHits;
  for (const product of RICHER_PRODUCTS) {
    if (state.counts.cacheHits >= state.counts.uniqueNumbers) break;
    const answers = cache.forProduct(product);
    if (!(await holdsAny(answers))) continue;
    await new CacheLookup({ cache: withDefaults(answers), state, maxAgeMs }).lookUpUnknown(false);
  }
  return state.counts.cacheHits - before;
}

async function holdsAny(cache: ResultCache): Promise<boolean> {
  if (cache.estimateSize) return (await cache.estimateSize()) > 0;
  if (!cache.entries) return true;
  for await (const _entry of cache.entries()) return true;
  return false;
}
