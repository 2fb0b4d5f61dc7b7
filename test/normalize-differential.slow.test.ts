import { normalizeDifferentials } from './helpers/normalize-differential.js';

normalizeDifferentials({ international: 1_000_000, spellings: 100_000, national: 1_000_000, timeoutMs: 1_800_000 });
