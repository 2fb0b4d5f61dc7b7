import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { LevelResultCache } from '../store/level-result-cache.js';
import { LevelTaskJournal } from '../store/task-journal.js';
import { defaultCacheDir } from './cache-dir.js';
import type { CliEnvironment } from './check-command.js';
import { AtomicFile } from '../output/atomic-file.js';
import { StreamSink } from '../output/stream-sink.js';
import { numberFlag, UsageError } from './flags.js';
import { checkOutputPath } from './output-target.js';
import { repairCommand, verifyCommand } from './cache-health.js';

export const CACHE_HELP = `Usage: wa-check cache <stats|export|prune|verify|repair> [options]

  stats                       answers held, yes/no, oldest and newest, the task journal, the answer log
  export <file|->              all answers as CSV: number,whatsapp,checked_at (- for stdout)
  prune [--older-than <days>] delete answers older than this (default 30). Shows what it would
                              delete; deletes only with --yes, or when you confirm on a terminal.
  verify                      reads every answer back and checks the answer log against LevelDB;
                              changes nothing. Exit 0 when sound, 1 when damaged.
  repair                      mends a damaged folder from the two copies every answer has (LevelDB
                              and the checksummed answer log): nothing paid for is lost or bought again

Options:
  --cache <dir>   the cache folder (default ${defaultCacheDir()})
  --yes           prune: delete without asking
  --dry-run       prune: only show what would be deleted
  -h, --help      this help

Answers are what was paid for: a pruned number is paid again when it is next checked.

Examples:
  wa-check cache stats
  wa-check cache export answers.csv
  wa-check cache export - | gzip > answers.csv.gz
  wa-check cache prune --older-than 90 --yes
  wa-check cache verify && echo sound
`;

export async function cacheCommand(argv: string[], io: CliEnvironment): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cache: { type: 'string' },
      'older-than': { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(CACHE_HELP);
    return 0;
  }
  const [action, file] = positionals;
  if (action === 'verify' || action === 'repair') {
    // Before opening: a damaged folder does not open, and these are what mends it.
    const dir = values.cache ?? defaultCacheDir(io.env);
    return action === 'verify' ? verifyCommand(dir, io) : repairCommand(dir, io);
  }
  if (action !== 'stats' && action !== 'export' && action !== 'prune')
    throw new UsageError('Say stats, export, prune, verify or repair.');
  if (action === 'export' && !file) throw new UsageError('Name the file to export to (or - for stdout).');
  if (action === 'export' && file !== '-') await checkOutputPath(file!, 'export', undefined);
  const days = numberFlag(values, 'older-than') ?? 30;
  if (days < 0) throw new UsageError(`--older-than takes a number of days of 0 or more, got ${days}.`);
  const cache = await LevelResultCache.open(values.cache ?? defaultCacheDir(io.env));
  try {
    if (action === 'stats') await stats(cache, io);
    else if (action === 'export') await exportAnswers(cache, file!, io);
    else await prune(cache, days, io, values['dry-run'] ? 'no' : values.yes ? 'yes' : 'ask');
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
  const atomic = file === '-' ? undefined : new AtomicFile(file);
  const sink = new StreamSink(atomic ? createWriteStream(atomic.tempPath, { flags: 'wx' }) : io.stdout);
  let count = 0;
  try {
    await sink.write('number,whatsapp,checked_at\n');
    for await (const [number, answer] of cache.entries()) {
      await sink.write(`${number},${answer.whatsapp},${new Date(answer.checkedAt).toISOString()}\n`);
      count++;
    }
    if (atomic) {
      await sink.end();
      await atomic.commit();
    }
  } catch (error) {
    if (atomic) await sink.abandon();
    throw error;
  } finally {
    sink.release();
    await atomic?.discard();
  }
  // On stderr: stdout may be the export itself.
  io.stderr.write(`Exported ${count.toLocaleString('en-US')} answers to ${atomic ? file : 'stdout'}\n`);
}

/**
 * Deletes answers older than `days`, after saying how many and from when: they were paid for, and
 * a deleted answer is paid again. Deletes only when told to (`--yes`) or when a person at a
 * terminal says yes.
 */
async function prune(cache: LevelResultCache, days: number, io: CliEnvironment, consent: 'yes' | 'no' | 'ask') {
  const cutoff = Date.now() - days * 86_400_000;
  let count = 0;
  let oldest = Infinity;
  let newest = 0;
  for await (const [, answer] of cache.entries()) {
    if (answer.checkedAt >= cutoff) continue;
    count++;
    oldest = Math.min(oldest, answer.checkedAt);
    newest = Math.max(newest, answer.checkedAt);
  }
  const n = count.toLocaleString('en-US');
  if (count === 0) {
    io.stdout.write(`Removed 0 answers: none is older than ${days} days.\n`);
    return;
  }
  io.stdout.write(
    `${n} answers are older than ${days} days (checked ${new Date(oldest).toISOString()} to ${new Date(newest).toISOString()}).\n` +
      'They were paid for: a number whose answer is deleted is paid again when it is next checked.\n',
  );
  const agreed = consent === 'yes' || (consent === 'ask' && (await confirm(io, `Delete these ${n} answers? [y/N] `)));
  if (!agreed) {
    io.stdout.write(
      consent === 'ask' && !isTerminal(io)
        ? 'Nothing deleted: run again with --yes to delete them.\n'
        : 'Nothing deleted.\n',
    );
    return;
  }
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

function isTerminal(io: CliEnvironment): boolean {
  return (io.stdin as { isTTY?: boolean }).isTTY === true && (io.stdout as { isTTY?: boolean }).isTTY === true;
}

async function confirm(io: CliEnvironment, question: string): Promise<boolean> {
  if (!isTerminal(io)) return false;
  const prompt = createInterface({ input: io.stdin, output: io.stdout as Writable });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}
