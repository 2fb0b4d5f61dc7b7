import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DEFAULT_API_URL } from '../api/client.js';
import { checkNumbers } from '../job/check-numbers.js';
import type { CheckOptions } from '../job/options.js';
import type { CheckSummary } from '../job/progress.js';
import { formatOfPath, writeResults, type OutputFormat } from '../output/write-results.js';
import { defaultCacheDir } from './cache-dir.js';
import { cacheOption } from './cache-option.js';
import { numberFlag, UsageError } from './flags.js';
import { formatReport, ProgressLine } from './report.js';

export const CHECK_HELP = `Usage: wa-check check <input> [options]

Checks which numbers of a CSV, TXT or XLSX file (or - for stdin) have WhatsApp. Numbers are
normalized to E.164 and deduplicated, cached answers are reused, and only new numbers are paid for.

Output:
  -o, --output <file>        write results here; the format follows the extension (.csv, .jsonl,
                             .xlsx). Without it, CSV goes to stdout.
  --format <csv|jsonl|xlsx>  force the output format
  --order <input|completion> input order (default), or cached rows first

Input:
  --column <name|position>   the phone column (default: detected; positions start at 1)
  --country <CC>             region of numbers without a country code, e.g. CH
  --country-column <name>    a column with each row's region (ISO 3166 alpha-2)

Provider:
  --api-url <url>            default $WA_CHECK_API_URL or ${DEFAULT_API_URL}
  --user-id <id>             default $WA_CHECK_USER_ID
  --api-key-file <path>      a file holding the API key; default: the key in $WA_CHECK_API_KEY.
                             The key is never taken from a flag (it would land in shell history).
  --concurrency <n>          tasks at once (default 5, the provider's usual limit per key)
  --task-size <n>            the largest task (default 50000)
  --poll-interval <ms>       the shortest wait between two status reads (default 2000)

Cache and cost:
  --cache <dir>              the answer cache and task journal (default ${defaultCacheDir()})
  --cache redis://host:port/db  a fleet: workers on one Redis share answers, slots and journal
                             (rediss:// for TLS; password in the URL or $WA_CHECK_REDIS_PASSWORD)
  --max-age <days>           re-check answers older than this (default 30)
  --dry-run                  do everything up to the first upload; report what would be paid
  --max-spend <n>            upload at most n numbers in this job
  --resubmit-unconfirmed     check again numbers whose upload was never confirmed (may pay twice)

Display:
  --progress / --no-progress progress on stderr (default: only when stderr is a terminal)
  --debug                    show stack traces of errors
  -h, --help                 this help

Exit codes: 0 all valid numbers answered; 1 error; 2 bad usage; 3 finished with unanswered numbers.

Examples:
  export WA_CHECK_API_KEY=... WA_CHECK_USER_ID=...
  wa-check check contacts.csv -o results.csv --country CH
  wa-check check leads.xlsx --column Mobile --country-column Country -o results.xlsx
  wa-check check numbers.txt --dry-run
`;

export const EXIT_INCOMPLETE = 3;

export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

export async function checkCommand(argv: string[], io: CliEnvironment): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    options: {
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      order: { type: 'string' },
      column: { type: 'string' },
      country: { type: 'string' },
      'country-column': { type: 'string' },
      'api-url': { type: 'string' },
      'user-id': { type: 'string' },
      'api-key-file': { type: 'string' },
      'api-key': { type: 'string' },
      concurrency: { type: 'string' },
      'task-size': { type: 'string' },
      'poll-interval': { type: 'string' },
      cache: { type: 'string' },
      'max-age': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'max-spend': { type: 'string' },
      'resubmit-unconfirmed': { type: 'boolean' },
      progress: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(CHECK_HELP);
    return 0;
  }
  if (values['api-key'] !== undefined) {
    throw new UsageError(
      'The API key is not taken from a flag (it would land in shell history and process lists): set WA_CHECK_API_KEY or use --api-key-file.',
    );
  }
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'Name the input file (or - for stdin).' : 'Give one input file.');
  const input = positionals[0]!;
  const format = outputFormat(values.format, values.output);
  const dryRun = values['dry-run'] ?? false;
  const apiKey = values['api-key-file']
    ? (await readFile(values['api-key-file'], 'utf8')).trim()
    : io.env.WA_CHECK_API_KEY;
  const userId = values['user-id'] ?? io.env.WA_CHECK_USER_ID;
  if (!dryRun && !apiKey)
    throw new UsageError('No API key: set WA_CHECK_API_KEY or use --api-key-file (or try --dry-run).');
  if (!dryRun && !userId) throw new UsageError('No user id: use --user-id or set WA_CHECK_USER_ID.');
  const order = values.order ?? 'input';
  if (order !== 'input' && order !== 'completion')
    throw new UsageError(`--order takes input or completion, got '${order}'.`);
  const maxAgeDays = numberFlag(values, 'max-age');
  const pollFloor = numberFlag(values, 'poll-interval');

  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    io.stderr.write(
      '\nStopping: no new tasks; tasks already at the provider are collected by the next run. Press Ctrl-C again to quit now.\n',
    );
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const showProgress = values.progress ?? io.stderr.isTTY === true;
  const progress = showProgress ? new ProgressLine(io.stderr) : undefined;
  const options: CheckOptions = {
    ...cacheOption(values.cache, io.env),
    column: values.column,
    countryColumn: values['country-column'],
    country: values.country,
    concurrency: numberFlag(values, 'concurrency'),
    maxTaskSize: numberFlag(values, 'task-size'),
    order,
    maxAgeMs: maxAgeDays === undefined ? undefined : maxAgeDays * 86_400_000,
    maxSpend: numberFlag(values, 'max-spend'),
    dryRun,
    resubmitUnconfirmed: values['resubmit-unconfirmed'] ?? false,
    signal: stop.signal,
    onProgress: progress ? (state) => progress.update(state) : undefined,
    client:
      dryRun && !apiKey
        ? undefined
        : {
            apiUrl: values['api-url'] ?? io.env.WA_CHECK_API_URL ?? DEFAULT_API_URL,
            apiKey: apiKey!,
            userId: userId ?? 'dry-run',
            ...(pollFloor !== undefined && { poll: { floorMs: pollFloor } }),
          },
  };

  let summary: CheckSummary;
  try {
    const job = checkNumbers(input === '-' ? io.stdin : input, options);
    await writeResults(job, format, values.output ?? io.stdout);
    summary = await job.summary;
  } finally {
    progress?.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  io.stderr.write(formatReport(summary));
  if (values.output) io.stderr.write(`Results:             ${values.output}\n`);
  return summary.complete || (dryRun && summary.unanswered === summary.dryRun?.numbers) ? 0 : EXIT_INCOMPLETE;
}

function outputFormat(forced: string | undefined, output: string | undefined): OutputFormat {
  if (forced !== undefined) {
    if (forced !== 'csv' && forced !== 'jsonl' && forced !== 'xlsx')
      throw new UsageError(`--format takes csv, jsonl or xlsx, got '${forced}'.`);
    return forced;
  }
  if (!output) return 'csv';
  const byExtension = formatOfPath(output);
  if (!byExtension)
    throw new UsageError(`Cannot tell the output format of '${output}': use .csv, .jsonl or .xlsx, or --format.`);
  return byExtension;
}
