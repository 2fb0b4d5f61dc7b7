// Dedupe of many unique numbers in its own process: peak RSS and bytes per number.
import { NumberTable } from '../dist/dedupe/number-table.js';
import { peakRss } from './lib/child.js';

const count = Number(process.argv[2]);
const started = process.hrtime.bigint();
const table = new NumberTable(1024);
for (let i = 0; i < count; i++) table.add(100_000_000_000 + i * 37, 0);
if (table.size !== count) throw new Error('lost numbers');
console.log(
  JSON.stringify({
    count,
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    tableBytes: table.byteLength,
    peakRss: peakRss(),
  }),
);
