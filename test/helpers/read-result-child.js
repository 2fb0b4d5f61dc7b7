// Reads one result file in a process of its own, with the client's default caps, and reports
// what happened and the peak RSS: a bomb must end in a typed error, in bounded memory.
// Runs the built package (dist/), so `npm run build` first.
import { readResultFile } from '../../dist/api/result-reader.js';

const [path, workDirectory] = process.argv.slice(2);
const started = performance.now();
let records = 0;
let code = 'ok';
let message = '';
try {
  const limits = { maxUnzippedBytes: 2 * 1024 * 1024 * 1024, maxRows: 20_000_000, secrets: ['SEKRET'] };
  for await (const _record of readResultFile(path, workDirectory, limits)) records++;
} catch (error) {
  code = error?.code ?? error?.name ?? 'unknown';
  message = String(error?.message ?? error).slice(0, 200);
}
const result = {
  code,
  message,
  records,
  seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
