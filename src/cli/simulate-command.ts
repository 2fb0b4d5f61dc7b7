import { parseArgs } from 'node:util';
import { startSimulator } from '../simulator/index.js';
import { numberFlag, UsageError } from './flags.js';

export const SIMULATE_HELP = `Usage: wa-check simulate [options]

Runs the local simulator of the provider's API until interrupted (Ctrl-C).

Options:
  --port <n>              API port (default: a free one)
  --download-port <n>     port of the result-file origin (default: a free one)
  --key <key>             the API key to accept (default: a generated one, printed)
  --rate <n>              numbers checked per second per task (default 12, the provider's)
  --slots <n>             tasks processed at once per key (default 5)
  --queue-delay <ms>      time a new task waits in pending before it can start (default 1000)
  --export-delay <ms>     time from completed to exported (default 2000)
  --yes-share <0..1>      share of numbers with WhatsApp (default 0.6)
  --failure-share <0..1>  share of numbers that fail to be checked (default 0)
  --error-rate <0..1>     share of API requests answered 500 (default 0)
  --rate-limit <n>        requests per minute per key before 429 (default 60; 0 turns it off)
  --seed <text>           seed of the answers (default 'wa-bulk-checker')
  -h, --help              this help

Example:
  wa-check simulate --port 8080 --key test-key --rate 500
  curl -H 'X-API-Key: test-key' -F user_id=test -F file=@numbers.txt http://127.0.0.1:8080/wa/api/simple/tasks
`;

export async function simulateCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'download-port': { type: 'string' },
      key: { type: 'string' },
      rate: { type: 'string' },
      slots: { type: 'string' },
      'queue-delay': { type: 'string' },
      'export-delay': { type: 'string' },
      'yes-share': { type: 'string' },
      'failure-share': { type: 'string' },
      'error-rate': { type: 'string' },
      'rate-limit': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out.write(SIMULATE_HELP);
    return 0;
  }
  const rateLimit = numberFlag(values, 'rate-limit');
  if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit < 0))
    throw new UsageError('--rate-limit takes a whole number >= 0.');
  const simulator = await startSimulator({
    port: numberFlag(values, 'port') ?? 0,
    downloadPort: numberFlag(values, 'download-port') ?? 0,
    ...(values.key !== undefined && { apiKey: values.key }),
    ...(values.seed !== undefined && { seed: values.seed }),
    ...optional('numbersPerSecond', numberFlag(values, 'rate')),
    ...optional('slotsPerKey', numberFlag(values, 'slots')),
    ...optional('queueDelayMs', numberFlag(values, 'queue-delay')),
    ...optional('exportDelayMs', numberFlag(values, 'export-delay')),
    ...optional('yesShare', numberFlag(values, 'yes-share')),
    ...optional('failureShare', numberFlag(values, 'failure-share')),
    ...optional('serverErrorRate', numberFlag(values, 'error-rate')),
    ...(rateLimit !== undefined && { rateLimit: rateLimit === 0 ? null : { requests: rateLimit, windowMs: 60_000 } }),
  });
  // The simulator's key is a throwaway made for this process, so printing it is the point.
  out.write(
    `Simulator of the bulk WhatsApp check API\n` +
      `  API:        ${simulator.url}\n` +
      `  downloads:  ${simulator.downloadUrl}\n` +
      `  API key:    ${simulator.apiKey}\n` +
      `  ledger:     ${simulator.url}/__admin/ledger\n` +
      `Try: WA_CHECK_API_URL=${simulator.url} WA_CHECK_API_KEY=<key> WA_CHECK_USER_ID=test wa-check check numbers.csv\n` +
      `Press Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await simulator.close();
  return 0;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
