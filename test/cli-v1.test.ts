import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { useCliTest } from './helpers/cli-env.js';
import { swissNumbers } from './helpers/sim-http.js';

// The v1 flags of `wa-check check`, through the built CLI against the simulator.
const { tempDir, start, envFor, inputCsv } = useCliTest();

describe('wa-check check --api v1', () => {
  test('--top-up none below the minimum: nothing paid, below_minimum in the report, exit 3', async () => {
    const s = await start();
    const dir = await tempDir();
    const run = await runCli(
      [
        'check',
        await inputCsv(swissNumbers(100)),
        '--country',
        'CH',
        '--cache',
        join(dir, 'cache'),
        '--top-up',
        'none',
      ],
      // No user id: v1 does not need one.
      { ...envFor(s, { WA_CHECK_API: 'v1' }), WA_CHECK_USER_ID: '' },
    );
    expect(run.code).toBe(3);
    expect(s.ledger.tasksCreated).toBe(0);
    expect(run.stderr).toContain('Minimum order:       100 to check, minimum 500');
    expect(run.stderr).toContain('100 below_minimum');
    expect(run.stdout.split('\n').filter((line) => line.endsWith(',below_minimum,false'))).toHaveLength(100);
  });

  test('--price a balance cannot cover: stops before paying, a clear message, exit 1', async () => {
    const s = await start({ account: { balance: 0.01 } });
    const dir = await tempDir();
    const run = await runCli(
      [
        'check',
        await inputCsv(swissNumbers(600)),
        '--country',
        'CH',
        '--cache',
        join(dir, 'cache'),
        '--api',
        'v1',
        '--price',
        '0.0001',
        '-o',
        join(dir, 'out.csv'),
      ],
      envFor(s),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot cover 600 numbers at 0\.0001 USD each/);
    expect(s.ledger.tasksCreated).toBe(0);
  });

  test('--dry-run shows the balance, the policy and the cost', async () => {
    const s = await start({ account: { balance: 3 } });
    const dir = await tempDir();
    const run = await runCli(
      ['check', await inputCsv(swissNumbers(700)), '--country', 'CH', '--cache', join(dir, 'cache')].concat([
        '--api',
        'v1',
        '--product',
        'ws_active',
        '--price',
        '0.0003',
        '--dry-run',
      ]),
      envFor(s),
    );
    // Exit 3: a real run would leave these numbers unanswered (below_minimum).
    expect(run.code).toBe(3);
    expect(s.ledger.tasksCreated).toBe(0);
    // 700 is below ws_active's 1,000 and the cache is empty: the top-up falls back to none.
    expect(run.stderr).toContain('Minimum order:       700 to check, minimum 1,000');
    expect(run.stderr).toContain('Balance:             3 USD');
    expect(run.stderr).toContain('(top-up falls back to none)');
  });

  test('bad values of the new flags are usage errors (exit 2)', async () => {
    const s = await start();
    for (const flags of [
      ['--api', 'v2'],
      ['--product', 'ws_active'],
      ['--top-up', 'some'],
      ['--price', 'cheap'],
    ]) {
      const run = await runCli(['check', await inputCsv(swissNumbers(1)), ...flags], envFor(s));
      expect({ flags, code: run.code }).toEqual({ flags, code: 2 });
    }
  });
});
