import { parseArgs } from 'node:util';
import { startSimulator } from '../simulator/index.js';
import { numberFlag, UsageError } from './flags.js';

export const SIMULATE_HELP = `Usage: wa-check simulate [options]

Runs the local simulator of the provider's API until interrupted (Ctrl-C). It serves both
versions of the API: legacy (/wa/api/simple/tasks) and v1 (/v1/tasks, /v1/gettasks,
/v1/balance, products ws, ws_active, ws_avatar).

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
  --balance <amount>      money on the account; a create that costs more answers 402 (default 1000000)
  --daily-limit <amount>  money that may be spent per UTC day (default: none)
  --legacy-min-rows <n>   rows a legacy task must hold (default 0; v1 products: 500, 1000, 500)
  --create-status <code>  200 or 202, the status of a successful create (default 200)
  --balance-rate-limit <n>  balance reads per minute before 429 (default: no limit)
  -h, --help              this help

Example:
  wa-check simulate --port 8080 --key test-key --rate 500
  curl -H 'X-API-Key: test-key' -F user_id=test -F file=@numbers.txt http://127.0.0.1:8080/wa/api/simple/tasks
  curl -H 'X-API-Key: test-key' -F task_type=ws -F file=@numbers.txt http://127.0.0.1:8080/v1/tasks
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
      balance: { type: 'string' },
      'daily-limit': { type: 'string' },
      'legacy-min-rows': { type: 'string' },
      'create-status': { type: 'string' },
      'balance-rate-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out.write(SIMULATE_HELP);
    return 0;
  }
  const rateLimit = wholeNumberFlag(values, 'rate-limit');
  const balanceRateLimit = wholeNumberFlag(values, 'balance-rate-limit');
  const legacyMinRows = wholeNumberFlag(values, 'legacy-min-rows');
  const createStatus = numberFlag(values, 'create-status');
  if (createStatus !== undefined && createStatus !== 200 && createStatus !== 202)
    throw new UsageError('--create-status takes 200 or 202.');
  const balance = numberFlag(values, 'balance');
  const dailyLimit = numberFlag(values, 'daily-limit');
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
    ...(balanceRateLimit !== undefined && {
      balanceRateLimit: balanceRateLimit === 0 ? null : { requests: balanceRateLimit, windowMs: 60_000 },
    }),
    ...(legacyMinRows !== undefined && { minRows: { legacy: legacyMinRows } }),
    ...(createStatus !== undefined && { createStatus: createStatus as 200 | 202 }),
    account: { ...optional('balance', balance), ...optional('dailyLimit', dailyLimit) },
  });
  // The simulator's key is a throwaway made for this process, so printing it is the point.
  out.write(
    `Simulator of the bulk WhatsApp check API\n` +
      `  API:        ${simulator.url}\n` +
      `  downloads:  ${simulator.downloadUrl}\n` +
      `  API key:    ${simulator.apiKey}\n` +
      `  ledger:     ${simulator.url}/__admin/ledger\n` +
      `  balance:    ${simulator.url}/v1/balance\n` +
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

function wholeNumberFlag(values: Record<string, unknown>, name: string): number | undefined {
  const value = numberFlag(values, name);
  if (value !== undefined && (!Number.isInteger(value) || value < 0))
    throw new UsageError(`--${name} takes a whole number >= 0.`);
  return value;
}
