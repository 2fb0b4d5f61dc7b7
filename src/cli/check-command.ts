import { writeFile } from 'node:fs/promises';
import { type Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DEFAULT_API_URL } from '../api/client.js';
import { ProviderUnreachableError } from '../api/wait-errors.js';
import { ErrorCodes, isWaError, WaError } from '../errors.js';
import { type CheckJob, checkNumbers } from '../job/check-numbers.js';
import type { ColumnChosen, ColumnsChosen } from '../input/read-input.js';
import type { CheckOptions } from '../job/options.js';
import type { CheckSummary } from '../job/progress.js';
import { AtomicFile } from '../output/atomic-file.js';
import {
  formatOfPath,
  isFileWriteError,
  type OutputFormat,
  writeToFile,
  writeToStream,
} from '../output/write-results.js';
import { cacheOption } from './cache-option.js';
import { numberFlag, UsageError } from './flags.js';
import { PRODUCT_FLAGS, productFlags } from './product-flags.js';
import { checkOutputPath } from './output-target.js';
import { ProgressLine } from './progress-line.js';
import { apiUrlOf, readApiKey } from './provider-flags.js';
import { formatReport, reportObject } from './report.js';

import { CHECK_HELP } from './check-help.js';

export { CHECK_HELP };

export const EXIT_INCOMPLETE = 3;
/** 128 + SIGINT, as shells report a process killed by Ctrl-C: the second Ctrl-C, which quits at once. */
export const EXIT_INTERRUPTED = 130;

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
      'formula-guard': { type: 'boolean' },
      'report-json': { type: 'string' },
      column: { type: 'string' },
      country: { type: 'string' },
      'country-column': { type: 'string' },
      'api-url': { type: 'string' },
      'user-id': { type: 'string' },
      'api-key-file': { type: 'string' },
      'api-key': { type: 'string' },
      concurrency: { type: 'string' },
      threads: { type: 'string' },
      'task-size': { type: 'string' },
      'poll-interval': { type: 'string' },
      cache: { type: 'string' },
      'max-age': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'max-spend': { type: 'string' },
      'resubmit-unconfirmed': { type: 'boolean' },
      progress: { type: 'boolean' },
      compact: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...PRODUCT_FLAGS,
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
  // '-o -' is standard output, as '-' is standard input.
  const output = values.output === '-' ? undefined : values.output;
  // Before anything is read, looked up or paid: a job must not pay and then fail to write.
  if (output !== undefined) await checkOutputPath(output, '-o', input);
  const format = outputFormat(values.format, output);
  if (values['report-json'] !== undefined) await checkOutputPath(values['report-json'], '--report-json', input);
  const dryRun = values['dry-run'] ?? false;
  const apiKey = await readApiKey(values['api-key-file'], io.env);
  const userId = values['user-id'] ?? io.env.WA_CHECK_USER_ID;
  if (!dryRun && !apiKey)
    throw new UsageError('No API key: set WA_CHECK_API_KEY or use --api-key-file (or try --dry-run).');
  const product = productFlags(values, io.env);
  if (!dryRun && !userId && product.client.api === 'legacy')
    throw new UsageError('No user id: use --user-id or set WA_CHECK_USER_ID.');
  const apiUrl = apiUrlOf(values['api-url'], io.env);
  const order = values.order ?? 'input';
  if (order !== 'input' && order !== 'completion')
    throw new UsageError(`--order takes input or completion, got '${order}'.`);
  const maxAgeDays = numberFlag(values, 'max-age');
  const pollFloor = numberFlag(values, 'poll-interval');

  const file = output === undefined ? undefined : new AtomicFile(output);
  await file?.removeStale();
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) {
      const partial = keepPartial(file);
      if (partial) io.stderr.write(`\nPartial results: ${partial}\n`);
      process.exit(EXIT_INTERRUPTED);
    }
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
    threads: numberFlag(values, 'threads'),
    maxTaskSize: numberFlag(values, 'task-size'),
    order,
    maxAgeMs: maxAgeDays === undefined ? undefined : maxAgeDays * 86_400_000,
    maxSpend: numberFlag(values, 'max-spend'),
    dryRun,
    resubmitUnconfirmed: values['resubmit-unconfirmed'] ?? false,
    signal: stop.signal,
    compact: values.compact ?? false,
    // Before any result, on stderr: stdout may be the results themselves.
    onColumns: (columns) => {
      progress?.clear();
      io.stderr.write(`${describeColumns(columns)}\n`);
    },
    onProgress: progress ? (state) => progress.update(state) : undefined,
    topUp: product.topUp,
    pricePerNumber: product.pricePerNumber,
    client:
      dryRun && !apiKey
        ? undefined
        : {
            apiUrl,
            apiKey: apiKey!,
            userId: userId || (product.client.api === 'legacy' ? 'dry-run' : undefined),
            ...product.client,
            ...(pollFloor !== undefined && { poll: { floorMs: pollFloor } }),
          },
  };
  const writeOptions = { formulaGuard: values['formula-guard'] ?? true };

  let summary: CheckSummary;
  try {
    const job = checkNumbers(input === '-' ? io.stdin : input, options);
    if (file) await writeToFile(job.blocks(), format, file.tempPath, writeOptions);
    // A dry run's answer is its estimate: rows of 'dry_run' only when asked for with -o.
    else if (dryRun && values.output === undefined) await drain(job);
    else await writeToStream(job.blocks(), format, terminalAware(io, progress), writeOptions);
    summary = await job.summary;
  } catch (error) {
    // Stopped by Ctrl-C and failed on the way out: what was written is still worth keeping,
    // unless writing it is what failed (the disk may not hold what was written).
    const partial = stop.signal.aborted && !isFileWriteError(error) ? keepPartial(file) : undefined;
    if (partial) io.stderr.write(`Partial results:     ${partial} (interrupted; ${output} is left as it was)\n`);
    await file?.discard();
    // The reader went away (`| head`): the job stopped with the loop above; nothing more to say.
    if (file === undefined && isClosedOutput(error)) return 0;
    if (values['report-json'] !== undefined && isWaError(error))
      await writeReportJson(values['report-json'], { error: { code: error.code, message: error.message } });
    throw error instanceof ProviderUnreachableError
      ? unreachable(error, apiUrlSource(values['api-url'], io.env))
      : error;
  } finally {
    progress?.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const interrupted = stop.signal.aborted;
  const partial = interrupted ? keepPartial(file) : undefined;
  if (!interrupted) await file?.commit();
  io.stderr.write(formatReport(summary));
  if (partial) io.stderr.write(`Partial results:     ${partial} (interrupted; ${output} is left as it was)\n`);
  else if (output) io.stderr.write(`Results:             ${output}\n`);
  // A job stopped by one Ctrl-C finishes with its rows 'aborted': unanswered numbers, exit 3.
  const exitCode = summary.complete || (dryRun && summary.unanswered === summary.dryRun?.numbers) ? 0 : EXIT_INCOMPLETE;
  if (values['report-json'] !== undefined)
    await writeReportJson(
      values['report-json'],
      reportObject(summary, { exitCode, output: partial ?? output ?? null }),
    );
  return exitCode;
}

/** `Phone column: "Mobile" (detected); country column: "Country" (named)`, for the start of a job. */
export function describeColumns({ phone, country }: ColumnsChosen): string {
  const name = (column: ColumnChosen) =>
    column.header === undefined ? `column ${column.position}` : `"${column.header}"`;
  const countryText = country ? `country column: ${name(country)} (${country.how})` : 'no country column';
  return `Phone column: ${name(phone)} (${phone.how}); ${countryText}`;
}

/** The partial results kept under their own name, or undefined when there are none to keep. */
function keepPartial(file: AtomicFile | undefined): string | undefined {
  try {
    return file?.keepPartialSync();
  } catch {
    return undefined; // not written yet
  }
}

async function drain(job: CheckJob): Promise<void> {
  for await (const block of job.blocks()) void block;
}

async function writeReportJson(path: string, report: unknown): Promise<void> {
  const file = new AtomicFile(path);
  try {
    await writeFile(file.tempPath, `${JSON.stringify(report, null, 2)}\n`, { flag: 'wx' });
    await file.commit();
  } finally {
    await file.discard();
  }
}

/**
 * Standard output, cleared of the progress line before each write when both go to a terminal:
 * a CSV row must not be glued onto the end of the status line.
 */
function terminalAware(io: CliEnvironment, progress: ProgressLine | undefined): Writable {
  if (!progress || !(io.stdout as { isTTY?: boolean }).isTTY) return io.stdout;
  return new Writable({
    write(chunk, _encoding, callback) {
      progress.clear();
      io.stdout.write(chunk, callback);
    },
  });
}

function isClosedOutput(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** Where this run took its API URL from, as the user would change it. */
function apiUrlSource(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return 'the --api-url flag';
  if (env.WA_CHECK_API_URL) return 'WA_CHECK_API_URL';
  return `the default (${DEFAULT_API_URL}), as neither --api-url nor WA_CHECK_API_URL is set`;
}

/** A wrong URL is the likeliest cause: say which one failed and where it was set. Nothing was paid. */
function unreachable(error: ProviderUnreachableError, source: string): WaError {
  return new WaError(
    ErrorCodes.NETWORK,
    `Could not reach the provider at ${error.origin} (${error.reason}); nothing was sent, nothing paid. That URL came from ${source}: give the right one with --api-url <url> or WA_CHECK_API_URL.`,
    { cause: error },
  );
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
