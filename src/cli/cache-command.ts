import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { LevelResultCache } from '../store/level-result-cache.js';
import { LevelTaskJournal } from '../store/task-journal.js';
import { defaultCacheDir } from './cache-dir.js';
import type { CliEnvironment } from './check-command.js';
import { numberFlag, UsageError } from './flags.js';

export const CACHE_HELP = `Usage: wa-check cache <stats|export|prune> [options]

  stats                       answers held, yes/no, oldest and newest, the task journal, the answer log
  export <file>               all answers as CSV: number,whatsapp,checked_at
  prune [--older-than <days>] delete answers older than this (default 30)

Options:
  --cache <dir>   the cache folder (default ${defaultCacheDir()})
  -h, --help      this help

Examples:
  wa-check cache stats
  wa-check cache export answers.csv
  wa-check cache prune --older-than 90
`;

export async function cacheCommand(argv: string[], io: CliEnvironment): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { cache: { type: 'string' }, 'older-than': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(CACHE_HELP);
    return 0;
  }
  const [action, file] = positionals;
  if (action !== 'stats' && action !== 'export' && action !== 'prune')
    throw new UsageError('Say stats, export or prune.');
  if (action === 'export' && !file) throw new UsageError('Name the file to export to.');
  const cache = await LevelResultCache.open(values.cache ?? defaultCacheDir(io.env));
  try {
    if (action === 'stats') await stats(cache, io);
    else if (action === 'export') await exportAnswers(cache, file!, io);
    else await prune(cache, numberFlag(values, 'older-than') ?? 30, io);
  } finally {
    await cache.close();
  }
  return 0;
}

async function stats(cache: LevelResultCache, io: CliEnvironment): Promise<void> {
  let yes = 0;
  let no = 0;
  let oldest = Infinity;
  let newest = 0;
  for await (const [, answer] of cache.entries()) {
    if (answer.whatsapp === 'yes') yes++;
    else no++;
    oldest = Math.min(oldest, answer.checkedAt);
    newest = Math.max(newest, answer.checkedAt);
  }
  const journal = await new LevelTaskJournal(cache.database).open();
  const byState = new Map<string, number>();
  for (const entry of journal) byState.set(entry.state, (byState.get(entry.state) ?? 0) + entry.count);
  const date = (ms: number) => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : '-');
  const log = cache.answerLog;
  io.stdout.write(
    `Cache folder:  ${cache.path}\n` +
      `Answers:       ${(yes + no).toLocaleString('en-US')} (${yes.toLocaleString('en-US')} yes, ${no.toLocaleString('en-US')} no)\n` +
      `Oldest:        ${date(oldest)}\nNewest:        ${date(newest)}\n` +
      `Open tasks:    ${journal.length}${byState.size ? ` (${[...byState].map(([state, n]) => `${n} numbers ${state}`).join(', ')})` : ''}\n` +
      `Answer log:    ${
        log
          ? `${log.records.toLocaleString('en-US')} records (${log.superseded.toLocaleString('en-US')} superseded)`
          : 'none yet (the next job that reads the whole cache writes it)'
      }\n`,
  );
}

async function exportAnswers(cache: LevelResultCache, file: string, io: CliEnvironment): Promise<void> {
  const out = createWriteStream(file);
  out.write('number,whatsapp,checked_at\n');
  let count = 0;
  for await (const [number, answer] of cache.entries()) {
    if (!out.write(`${number},${answer.whatsapp},${new Date(answer.checkedAt).toISOString()}\n`))
      await once(out, 'drain');
    count++;
  }
  out.end();
  await once(out, 'finish');
  io.stdout.write(`Exported ${count.toLocaleString('en-US')} answers to ${file}\n`);
}

async function prune(cache: LevelResultCache, days: number, io: CliEnvironment): Promise<void> {
  const cutoff = Date.now() - days * 86_400_000;
  let batch: string[] = [];
  let removed = 0;
  for await (const [number, answer] of cache.entries()) {
    if (answer.checkedAt >= cutoff) continue;
    batch.push(number);
    if (batch.length >= 1000) {
      await cache.deleteMany(batch);
      removed += batch.length;
      batch = [];
    }
  }
  await cache.deleteMany(batch);
  removed += batch.length;
  io.stdout.write(`Removed ${removed.toLocaleString('en-US')} answers older than ${days} days.\n`);
}
