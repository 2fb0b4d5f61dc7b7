// One fleet worker of the cold benchmark (bench/fleet.js), in its own process: a cold job on
// `--cache redis://` with the client's own poll defaults at the benchmark's time scale.
import { join } from 'node:path';
import { checkNumbers, writeResults } from '../dist/index.js';
import { OUT } from './lib/data.js';

const [file, redisUrl, apiUrl, scale] = process.argv.slice(2);
const SCALE = Number(scale);
const job = checkNumbers(file, {
  // Slots and others' answers are asked for every second: at the same scale, too.
  redis: { url: redisUrl, pollMs: Math.max(1, Math.round(1000 / SCALE)) },
  client: {
    apiUrl,
    apiKey: 'bench-key',
    userId: 'bench',
    poll: { floorMs: 2000 / SCALE, ceilingMs: 120_000 / SCALE, noticeFloorMs: 5000 / SCALE },
  },
});
await writeResults(job.batches(), 'csv', join(OUT, `${file.split('/').at(-1)}.out.csv`));
const summary = await job.summary;
console.log(JSON.stringify({ answered: summary.answeredByApi, charged: summary.numbersCharged }));
