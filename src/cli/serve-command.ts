import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_API_URL } from '../api/client.js';
import type { ApiDialectName } from '../api/products.js';
import { ClientKeys } from '../gateway/client-keys.js';
import { startGateway } from '../gateway/gateway.js';
import { formatUsageTable, readUsage } from '../gateway/usage-report.js';
import { TOP_UP_POLICIES, type TopUpPolicy } from '../gateway/top-up.js';
import { defaultCacheDir } from './cache-dir.js';
import type { CliEnvironment } from './check-command.js';
import { numberFlag, UsageError } from './flags.js';

export const SERVE_HELP = `Usage: wa-check serve --clients <file> [options]
       wa-check serve --report [--json] [--cache <dir> | --cache redis://... --state <dir>]

Serves the provider's API (legacy and v1 paths) to your own clients, in front of the provider:
their numbers are deduplicated, answered from the cache where known, and the rest pooled into
upstream tasks (past the minimum order), journaled so nothing is paid twice.

Gateway:
  --port <n>                 port to listen on (default 8080; 0 picks a free one)
  --host <host>              host to listen on (default 127.0.0.1)
  --clients <file>           JSON: {"keys": {"<client key>": {"name": "alice", "maxSpend": 100000,
                             "rate": {"requests": 60, "windowMs": 60000}}}}
  --rate <n>                 requests per minute of a client without its own "rate" (default 60;
                             0: no limit); beyond it, 429 with Retry-After
  --price <amount>           price of one number (e.g. 0.0001): GET /v1/balance answers in money
                             rather than in numbers
  --admin-key-file <path>    key of GET /__gateway/usage; default $WA_CHECK_ADMIN_KEY
  --pool-wait <ms>           how long numbers wait for others before a task is cut (default 2000)
  --pool-max-wait <ms>       how long numbers below the upstream minimum wait for company before
                             --top-up decides (default 60000)
  --top-up <stale|none>      then: stale fills the task up to the minimum with the oldest cached
                             answers (refreshed, paid); none fails the numbers unpaid (default stale)
  --max-upload <bytes>       the largest client upload (default 104857600); larger ones get 413

Provider:
  --api-url <url>            default $WA_CHECK_API_URL or ${DEFAULT_API_URL}
  --api <legacy|v1>          the provider's API to speak upstream (default legacy)
  --legacy-min-rows <n>      the legacy API's minimum order, where enforced (default 0)
  --user-id <id>             default $WA_CHECK_USER_ID
  --api-key-file <path>      a file holding the API key; default $WA_CHECK_API_KEY
  --concurrency <n>          upstream tasks at once (default 5)
  --task-size <n>            the largest upstream task (default 50000)
  --poll-interval <ms>       the shortest wait between two status reads (default 2000)

Cache:
  --cache <dir|redis://...>  answers, task journal and client tasks (default ${defaultCacheDir()}).
                             A redis:// URL shares answers, claims on numbers and the journal with
                             a fleet of workers; client tasks then go to --state.
  --state <dir>              with --cache redis://: this gateway's client tasks and usage
                             (default ${join(defaultCacheDir(), 'gateway')})
  --max-age <days>           re-check answers older than this (default 30)

Report:
  --report                   print the per-client ledger of the cache folder (or --state) and exit,
                             without starting the gateway; with --json, as JSON
  --json                     with --report: {"clients": {"<name>": {"submitted": ..., ...}}}

Logs: one JSON line per request and per upstream task on stdout, never with a key.
SIGINT/SIGTERM stop accepting, finish journal writes and exit; a restart resumes every task.
`;

export async function serveCommand(argv: string[], io: CliEnvironment): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      clients: { type: 'string' },
      'admin-key-file': { type: 'string' },
      'pool-wait': { type: 'string' },
      'pool-max-wait': { type: 'string' },
      'top-up': { type: 'string' },
      rate: { type: 'string' },
      price: { type: 'string' },
      'max-upload': { type: 'string' },
      'api-url': { type: 'string' },
      api: { type: 'string' },
      'legacy-min-rows': { type: 'string' },
      'user-id': { type: 'string' },
      'api-key-file': { type: 'string' },
      'api-key': { type: 'string' },
      concurrency: { type: 'string' },
      'task-size': { type: 'string' },
      'poll-interval': { type: 'string' },
      cache: { type: 'string' },
      state: { type: 'string' },
      'max-age': { type: 'string' },
      report: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  if (values.json && !values.report) throw new UsageError('--json goes with --report.');
  if (values.report) {
    const usage = await readUsage(storageOf(values.cache, values.state, io.env).cacheDir);
    io.stdout.write(values.json ? `${JSON.stringify({ clients: usage }, null, 2)}\n` : formatUsageTable(usage));
    return 0;
  }
  if (values['api-key'] !== undefined) {
    throw new UsageError('The API key is not taken from a flag: set WA_CHECK_API_KEY or use --api-key-file.');
  }
  if (!values.clients) throw new UsageError('Name the clients file with --clients.');
  const api = values.api ?? 'legacy';
  if (api !== 'legacy' && api !== 'v1') throw new UsageError(`--api takes legacy or v1, got '${api}'.`);
  const apiKey = values['api-key-file']
    ? (await readFile(values['api-key-file'], 'utf8')).trim()
    : io.env.WA_CHECK_API_KEY;
  if (!apiKey) throw new UsageError('No API key: set WA_CHECK_API_KEY or use --api-key-file.');
  const userId = values['user-id'] ?? io.env.WA_CHECK_USER_ID;
  if (api === 'legacy' && !userId) throw new UsageError('No user id: use --user-id or set WA_CHECK_USER_ID.');
  const adminKey = values['admin-key-file']
    ? (await readFile(values['admin-key-file'], 'utf8')).trim()
    : io.env.WA_CHECK_ADMIN_KEY;
  const topUp = values['top-up'] ?? 'stale';
  if (!(TOP_UP_POLICIES as readonly string[]).includes(topUp)) {
    throw new UsageError(`--top-up takes ${TOP_UP_POLICIES.join(' or ')}, got '${topUp}'.`);
  }
  const perMinute = numberFlag(values, 'rate') ?? 60;
  const pollFloor = numberFlag(values, 'poll-interval');
  const maxAgeDays = numberFlag(values, 'max-age');

  const log = (event: Record<string, unknown>) =>
    io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  const gateway = await startGateway({
    upstream: {
      apiUrl: values['api-url'] ?? io.env.WA_CHECK_API_URL ?? DEFAULT_API_URL,
      apiKey,
      userId,
      api: api as ApiDialectName,
      legacyMinRows: numberFlag(values, 'legacy-min-rows'),
      ...(pollFloor !== undefined && { poll: { floorMs: pollFloor } }),
    },
    clients: await ClientKeys.load(values.clients),
    ...storageOf(values.cache, values.state, io.env),
    adminKey,
    port: numberFlag(values, 'port') ?? 8080,
    host: values.host,
    gatherMs: numberFlag(values, 'pool-wait'),
    poolMaxWaitMs: numberFlag(values, 'pool-max-wait'),
    topUp: topUp as TopUpPolicy,
    defaultRate: perMinute === 0 ? undefined : { requests: perMinute, windowMs: 60_000 },
    pricePerNumber: numberFlag(values, 'price'),
    maxUploadBytes: numberFlag(values, 'max-upload'),
    concurrency: numberFlag(values, 'concurrency'),
    maxTaskSize: numberFlag(values, 'task-size'),
    maxAgeMs: maxAgeDays === undefined ? undefined : maxAgeDays * 86_400_000,
    log,
  });

  await new Promise<void>((resolve) => {
    const stop = () => {
      log({ event: 'stopping' });
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await gateway.close();
  log({ event: 'stopped' });
  return 0;
}

/** `--cache` is a folder, or a Redis URL with the gateway's own state in `--state`. */
function storageOf(
  cache: string | undefined,
  state: string | undefined,
  env: NodeJS.ProcessEnv,
): { cacheDir: string; redisUrl?: string } {
  if (cache && /^rediss?:\/\//i.test(cache)) {
    return { cacheDir: state ?? join(defaultCacheDir(env), 'gateway'), redisUrl: cache };
  }
  if (state !== undefined)
    throw new UsageError('--state goes with --cache redis://...; a cache folder holds the state.');
  return { cacheDir: cache ?? defaultCacheDir(env) };
}
