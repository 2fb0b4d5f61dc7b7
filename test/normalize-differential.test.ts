import { normalizeDifferentials } from './helpers/normalize-differential.js';

// A sample of the million-number runs in normalize-differential.slow.test.ts: the same generators
// and seeds, so every case here is also a case there.
normalizeDifferentials({ international: 20_000, spellings: 4_000, national: 20_000, timeoutMs: 60_000 });
