import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CheckSummary } from '../src/job/progress.js';
import { formatReport } from '../src/cli/report.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { taskKey } from '../src/store/task-journal.js';
import { runCli } from './helpers/cli.js';
import { CLI_TEST_KEY, useCliTest } from './helpers/cli-env.js';
import { useProviderProxies } from './helpers/provider-proxy.js';
import { swissNumbers } from './helpers/sim-http.js';
import { freePort } from './helpers/ports.js';

// What `wa-check check` says when the provider cannot be reached, refuses creates for an hour,
// or leaves tasks stalled: the real CLI, as a child process.

const { tempDir, start, envFor, inputCsv } = useCliTest();
const proxy = useProviderProxies();

describe('wa-check check - a provider that cannot be reached (issue #13 item 5)', () => {
  test('--api-url on a closed port: names the URL and the flag, exit 1, no "collect later"', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const dir = await tempDir();
    const run = await runCli(
      ['check', await inputCsv(swissNumbers(30)), '--country', 'CH', '--cache', join(dir, 'cache'), '--api-url', url],
      { WA_CHECK_API_KEY: CLI_TEST_KEY, WA_CHECK_USER_ID: 'cli-test' },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WA_NETWORK');
    expect(run.stderr).toContain(url);
    expect(run.stderr).toContain('--api-url');
    expect(run.stderr).not.toMatch(/collect|task_error/);
    expect(run.stderr).not.toContain(CLI_TEST_KEY);
  });

  test('WA_CHECK_API_URL on a closed port: says the URL came from that variable', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const dir = await tempDir();
    const run = await runCli(
      ['check', await inputCsv(swissNumbers(30)), '--country', 'CH', '--cache', join(dir, 'cache')],
      {
        WA_CHECK_API_KEY: CLI_TEST_KEY,
        WA_CHECK_USER_ID: 'cli-test',
        WA_CHECK_API_URL: url,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(url);
    expect(run.stderr).toMatch(/came from WA_CHECK_API_URL/);
    expect(run.stderr).not.toMatch(/collect|task_error/);
  });
});

describe('wa-check check - creates refused for an hour (Retry-After past the cap)', () => {
  test('the task in flight is collected, the rest reported rate_limited with when to come back; exit 3', async () => {
    const s = await start({ failureShare: 0 });
    const front = await proxy(s.url, ({ call, index }) =>
      call === 'create' && index >= 1
        ? { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '3600' } }
        : undefined,
    );
    const dir = await tempDir();
    const output = join(dir, 'out.csv');
    const run = await runCli(
      [
        'check',
        await inputCsv(swissNumbers(1500)),
        '--country',
        'CH',
        '--cache',
        join(dir, 'cache'),
        '-o',
        output,
        '--concurrency',
        '1',
        '--task-size',
        '500',
        '--poll-interval',
        '20',
      ],
      envFor(s, { WA_CHECK_API_URL: front.url }),
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Numbers paid for:    500');
    expect(run.stderr).toContain('1,000 rate_limited');
    expect(run.stderr).toMatch(/rate_limited: the provider asked us to come back at \d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(run.stderr).not.toContain('task_error');
  });
});

describe('wa-check check - a result file rejected twice by earlier runs', () => {
  test('reported result_invalid without a request; exit 3', async () => {
    const s = await start();
    const dir = await tempDir();
    const numbers = swissNumbers(20);
    const cache = await LevelResultCache.open(join(dir, 'cache'));
    await cache.journal.write({
      id: taskKey(numbers),
      state: 'submitted',
      numbers,
      count: numbers.length,
      taskId: 'cs9viu7i61pkfs4oavvg',
      updatedAt: Date.now(),
      resultError: { code: 'WA_RESULT_INVALID', tries: 2, message: 'The result file is not a zip archive.' },
    });
    await cache.close();
    const run = await runCli(
      ['check', await inputCsv(numbers), '--country', 'CH', '--cache', join(dir, 'cache')],
      envFor(s),
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('20 result_invalid');
    expect(run.stderr).toContain('WA_RESULT_INVALID: Task cs9viu7i61pkfs4oavvg');
    expect(run.stderr).toContain('rejected twice is not downloaded again');
    expect(s.ledger.snapshot()).toMatchObject({ tasksCreated: 0 });
  });
});

describe('formatReport() - reasons that say what to do', () => {
  const summary: CheckSummary = {
    rows: 10,
    invalidRows: 0,
    duplicateRows: 0,
    uniqueNumbers: 10,
    cacheHits: 0,
    answeredByApi: 0,
    numbersUploaded: 10,
    tasks: 2,
    numbersCharged: 10,
    numbersUnconfirmed: 0,
    unanswered: 10,
    unansweredByReason: { task_stalled: 6, result_invalid: 4 },
    savedByCache: 0,
    taskErrors: [],
    complete: false,
    finished: true,
    elapsedMs: 1000,
  };

  test('task_stalled and result_invalid each get their own line, not the task_error advice', () => {
    const report = formatReport(summary);
    expect(report).toContain('6 task_stalled');
    expect(report).toMatch(/task_stalled: [^\n]*provider[\s\S]*run the same command again later/);
    expect(report).toMatch(/result_invalid: .*result file was rejected/);
    expect(report).toMatch(/rejected twice is not downloaded again/);
    expect(report).not.toContain('task_error');
  });
});
