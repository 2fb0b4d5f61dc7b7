// Each stage next to its floor or the naive alternative, in the same run.
import { createReadStream } from 'node:fs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@fast-csv/parse';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { NumberTable } from '../dist/dedupe/number-table.js';
import { LevelResultCache, normalizeNumber } from '../dist/index.js';
import { readInput } from '../dist/input/read-input.js';
import { toRegion } from '../dist/normalize/normalize-number.js';
import { OUT, sampleFile } from './lib/data.js';
import { fmt, table, timed } from './lib/report.js';

const ROWS = 2_000_000;

export async function run(args) {
  const rows = Number(args[0] ?? ROWS);
  await reading(rows);
  await normalizing(Math.min(rows, 1_000_000));
  await dedupe();
  await cacheLookups();
}

async function reading(rows) {
  const file = await sampleFile(rows);
  const lines = await timed(async () => {
    let count = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count++;
    return count - 1;
  });
  const ours = await timed(async () => {
    let count = 0;
    for await (const batch of readInput(file)) count += batch.length;
    return count;
  });
  const fastCsv = await timed(async () => {
    let count = 0;
    for await (const _ of createReadStream(file).pipe(parse({ headers: true }))) count++;
    return count;
  });
  table(
    `Reading ${fmt(rows)} CSV rows (rows/s)`,
    ['reader', 'rows/s', 'vs fast-csv'],
    [
      ['counting lines (the floor)', fmt((lines.value / lines.ms) * 1000), `${(fastCsv.ms / lines.ms).toFixed(1)}x`],
      [
        'readInput (our CSV core, columns detected)',
        fmt((ours.value / ours.ms) * 1000),
        `${(fastCsv.ms / ours.ms).toFixed(1)}x`,
      ],
      ['@fast-csv/parse, headers', fmt((fastCsv.value / fastCsv.ms) * 1000), '1.0x'],
    ],
  );
}

async function normalizing(rows) {
  const result = [];
  for (const [label, extra] of [
    ['E.164-heavy (90% E.164)', { e164Share: 0.9 }],
    ['mixed spellings (35% E.164)', {}],
  ]) {
    const file = await sampleFile(rows, 'normalize', extra);
    const inputs = [];
    for await (const batch of readInput(file)) for (const row of batch) inputs.push([row.input, toRegion(row.country)]);
    const ours = await timed(() => {
      let valid = 0;
      for (const [text, region] of inputs) if (normalizeNumber(text, region).ok) valid++;
      return valid;
    });
    const library = await timed(() => {
      let valid = 0;
      for (const [text, region] of inputs)
        if (parsePhoneNumberFromString(text, region ? { defaultCountry: region } : undefined)?.isValid()) valid++;
      return valid;
    });
    result.push([
      label,
      'normalizeNumber (fast path, max metadata)',
      fmt((inputs.length / ours.ms) * 1000),
      fmt(ours.value),
      `${(library.ms / ours.ms).toFixed(1)}x`,
    ]);
    result.push([
      label,
      'parsePhoneNumberFromString + isValid (max)',
      fmt((inputs.length / library.ms) * 1000),
      fmt(library.value),
      '1.0x',
    ]);
  }
  table(`Normalizing ${fmt(rows)} rows (rows/s)`, ['input', 'normalizer', 'rows/s', 'valid', 'vs library'], result);
}

async function dedupe() {
  const result = [];
  for (const count of [10_000_000, 50_000_000]) {
    const table_ = new NumberTable(1024);
    const run = await timed(() => {
      for (let i = 0; i < count; i++) table_.add(41_000_000_000 + i * 7, 0);
      for (let i = 0; i < count; i++) table_.add(41_000_000_000 + i * 7, 0); // every number again: the duplicates
      return table_.size;
    });
    result.push([
      fmt(count),
      'NumberTable (8-byte slots)',
      fmt(((2 * count) / run.ms) * 1000),
      (table_.byteLength / count).toFixed(1),
    ]);
  }
  const count = 10_000_000;
  const set = new Set();
  const naive = await timed(() => {
    for (let i = 0; i < count; i++) set.add(`+${41_000_000_000 + i * 7}`);
    for (let i = 0; i < count; i++) set.add(`+${41_000_000_000 + i * 7}`);
    return set.size;
  });
  const heap = process.memoryUsage().heapUsed;
  result.push([
    fmt(count),
    'Set of E.164 strings (fails past 16.7M)',
    fmt(((2 * count) / naive.ms) * 1000),
    `~${(heap / count).toFixed(0)} (heap)`,
  ]);
  table('Dedupe (adds/s, half of them repeats)', ['unique numbers', 'structure', 'adds/s', 'bytes/number'], result);
}

async function cacheLookups() {
  const dir = join(OUT, 'lookup-cache');
  rmSync(dir, { recursive: true, force: true });
  const cache = await LevelResultCache.open(dir, { memoryEntries: 1 });
  const count = 1_000_000;
  const stored = [];
  for (let i = 0; i < count; i += 2)
    stored.push([`+4179${String(i).padStart(7, '0')}`, { whatsapp: 'yes', checkedAt: Date.now() }]);
  for (let i = 0; i < stored.length; i += 50_000) await cache.putMany(stored.slice(i, i + 50_000));
  const keys = Array.from({ length: count }, (_, i) => `+4179${String((i * 7919) % count).padStart(7, '0')}`);
  const batched = await timed(async () => {
    let hits = 0;
    const inFlight = new Set();
    for (let i = 0; i < keys.length; i += 1000) {
      const lookup = cache.getMany(keys.slice(i, i + 1000)).then((values) => {
        for (const value of values) if (value) hits++;
      });
      inFlight.add(lookup);
      lookup.then(() => inFlight.delete(lookup));
      if (inFlight.size >= 4) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return hits;
  });
  const single = await timed(async () => {
    let hits = 0;
    for (const key of keys.slice(0, 100_000)) if ((await cache.getMany([key]))[0]) hits++;
    return hits;
  });
  // A job that is a large share of the cache reads all of it instead (the read-through).
  const fromLog = await timed(async () => {
    let answers = 0;
    for await (const batch of cache.answerBatches()) answers += batch.length;
    return answers;
  });
  const fromIterator = await timed(async () => {
    let answers = 0;
    for await (const _entry of cache.entries()) answers++;
    return answers;
  });
  await cache.close();
  rmSync(dir, { recursive: true, force: true });
  table(
    `Cache lookups, ${fmt(count)} numbers, 50% hits (lookups/s)`,
    ['method', 'lookups/s', 'hits'],
    [
      ['getMany, batches of 1,000, 4 in flight (used)', fmt((count / batched.ms) * 1000), fmt(batched.value)],
      ['one awaited lookup at a time (100,000)', fmt((100_000 / single.ms) * 1000), fmt(single.value)],
    ],
  );
  table(
    `Reading the whole cache, ${fmt(stored.length)} answers (answers/s)`,
    ['method', 'answers/s', 'answers'],
    [
      [
        'answer log, answerBatches() (used for read-throughs)',
        fmt((fromLog.value / fromLog.ms) * 1000),
        fmt(fromLog.value),
      ],
      [
        'LevelDB iterator, entries() (nextv of 1,000, read ahead)',
        fmt((fromIterator.value / fromIterator.ms) * 1000),
        fmt(fromIterator.value),
      ],
    ],
  );
}
