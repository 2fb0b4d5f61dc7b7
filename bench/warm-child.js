// One pipeline over one file, in its own process: `prefill`, `ours` or `naive`.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from '@fast-csv/parse';
import { Level } from 'level';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { checkNumbers, LevelResultCache, normalizeNumber, writeResults } from '../dist/index.js';
import { readInput } from '../dist/input/read-input.js';
import { RedisResultCache } from '../dist/store/redis/redis-result-cache.js';
import { toRegion } from '../dist/normalize/normalize-number.js';
import { peakRss } from './lib/child.js';

const [mode, file, cacheDir, output] = process.argv.slice(2);
const started = process.hrtime.bigint();
let rows = 0;

if (mode === 'prefill' || mode === 'prefill-redis') {
  // Every valid number of the file gets an answer, as if an earlier job had paid for it.
  // With `prefill-redis`, `cacheDir` is the fleet's redis:// URL.
  const cache =
    mode === 'prefill' ? await LevelResultCache.open(cacheDir) : await RedisResultCache.open({ url: cacheDir });
  let batch = [];
  const checkedAt = Date.now();
  for await (const input of readInput(file)) {
    for (const row of input) {
      rows++;
      const normalized = normalizeNumber(row.input, toRegion(row.country));
      if (!normalized.ok) continue;
      batch.push([
        normalized.e164,
        { whatsapp: normalized.e164.charCodeAt(normalized.e164.length - 1) % 2 ? 'yes' : 'no', checkedAt },
      ]);
      if (batch.length >= 50_000) {
        await cache.putMany(batch);
        batch = [];
      }
    }
  }
  await cache.putMany(batch);
  await cache.close();
} else if (mode === 'ours' || mode === 'ours-redis') {
  const store = mode === 'ours' ? { cacheDir } : { redis: { url: cacheDir } };
  const job = checkNumbers(file, { ...store, dryRun: true });
  rows = await writeResults(job, 'csv', output);
  const summary = await job.summary;
  if (summary.cacheHits !== summary.uniqueNumbers)
    throw new Error(`not a warm run: ${summary.cacheHits} of ${summary.uniqueNumbers} cached`);
} else if (mode === 'naive') {
  rows = await naivePipeline();
} else {
  throw new Error(`unknown mode ${mode}`);
}

const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ rows, ms, peakRss: peakRss(), cpuMs: (cpu.user + cpu.system) / 1000 }));

/**
 * What a developer would write first: fast-csv, then libphonenumber-js per row, a Set for
 * duplicates, a Map of answers, level getMany in batches of 1,000, and CSV lines out.
 */
async function naivePipeline() {
  const db = new Level(cacheDir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  const answers = db.sublevel('answers', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  const out = createWriteStream(output);
  out.write('row,input,number,whatsapp\n');
  const seen = new Set();
  const known = new Map();
  let count = 0;
  let pending = [];
  const flush = async () => {
    const fresh = [...new Set(pending.filter((row) => row.number && !known.has(row.number)).map((row) => row.number))];
    const values = fresh.length ? await answers.getMany(fresh) : [];
    fresh.forEach((number, i) => {
      known.set(number, values[i] ? (values[i][0] === 'y' ? 'yes' : 'no') : '');
    });
    let text = '';
    for (const row of pending)
      text += `${row.index},${JSON.stringify(row.input)},${row.number ?? ''},${row.number ? known.get(row.number) : ''}\n`;
    pending = [];
    if (!out.write(text)) await once(out, 'drain');
  };
  const parser = createReadStream(file).pipe(parse({ headers: true }));
  for await (const record of parser) {
    count++;
    const parsed = parsePhoneNumberFromString(
      record.phone ?? '',
      record.country ? { defaultCountry: record.country.toUpperCase() } : undefined,
    );
    const number = parsed?.isValid() ? parsed.number : undefined;
    if (number) seen.add(number);
    pending.push({ index: count, input: record.phone, number });
    if (pending.length >= 1000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  await db.close();
  return count;
}
