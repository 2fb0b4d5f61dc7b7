import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { ClientKeys } from '../src/gateway/client-keys.js';
import { startGateway } from '../src/gateway/gateway.js';
import { runCli } from './helpers/cli.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { createTask, pollUntilExported } from './helpers/gateway-http.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

const UPSTREAM_KEY = 'sk_upstream_secret_report';
const ALICE = 'client-key-alice-0001';
const BOB = 'client-key-bob-00002';

const tempDir = useTempDirs();
const { start } = useFastSimulators({ apiKey: UPSTREAM_KEY });

describe('wa-check serve --report', () => {
  test('prints the per-client ledger of the cache folder as a table and as JSON, without starting a gateway', async () => {
    const sim = await start();
    const cacheDir = await tempDir();
    const gateway = await startGateway({
      upstream: { apiUrl: sim.url, apiKey: UPSTREAM_KEY, api: 'v1', poll: { floorMs: 20, ceilingMs: 200 } },
      clients: new ClientKeys({ [ALICE]: { name: 'alice' }, [BOB]: { name: 'bob' } }),
      cacheDir,
      gatherMs: 20,
    });
    try {
      const numbers = swissNumbers(500, 10_000);
      const first = (await (await createTask(gateway.url, ALICE, 'v1', [...numbers, 'nonsense'])).json()) as {
        task_id: string;
      };
      await pollUntilExported(gateway.url, ALICE, 'v1', first.task_id);
      const again = (await (await createTask(gateway.url, BOB, 'legacy', numbers.slice(0, 40))).json()) as {
        task_id: string;
      };
      await pollUntilExported(gateway.url, BOB, 'legacy', again.task_id);
      // While the gateway holds the folder, the report says where to look instead.
      const locked = await runCli(['serve', '--report', '--cache', cacheDir]);
      expect(locked.code).not.toBe(0);
      expect(locked.stderr).toContain('/__gateway/usage');
    } finally {
      await gateway.close();
    }
    const answered = swissNumbers(500, 10_000)
      .slice(0, 40)
      .filter((n) => sim.oracle.answer(n) !== 'fail').length;

    const json = await runCli(['serve', '--report', '--json', '--cache', cacheDir]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { clients: Record<string, Record<string, number>> };
    expect(report.clients.alice).toMatchObject({ submitted: 500, invalid: 1, paidUpstream: 500, fromCache: 0 });
    expect(report.clients.bob).toMatchObject({ submitted: 40, fromCache: answered, paidUpstream: 0 });

    const table = await runCli(['serve', '--report', '--cache', cacheDir]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^client\s+submitted\s+invalid\s+from cache\s+joined\s+paid\s+top-up/);
    expect(lines[1]).toMatch(/^alice\s+500\s+1\s+0\s+0\s+500\s+0\s/);
    expect(lines[2]).toMatch(new RegExp(`^bob\\s+40\\s+0\\s+${answered}\\s+\\d+\\s+0\\s`));
    expect(lines[3]).toMatch(/^total\s+540\s+1\s/);
  });

  test('a folder without gateway state is an error naming it, and is not created', async () => {
    const missing = `${await tempDir()}/nowhere`;
    const run = await runCli(['serve', '--report', '--cache', missing]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(missing);
    expect(existsSync(missing)).toBe(false);
    const json = await runCli(['serve', '--json', '--cache', missing]);
    expect(json.code).toBe(2);
  });
});

describe('wa-check serve flags of the fallback and limits', () => {
  test('--top-up takes stale or none: anything else is a usage error (exit 2) before anything starts', async () => {
    const dir = await tempDir();
    const clients = `${dir}/clients.json`;
    await writeFile(clients, JSON.stringify({ keys: { [ALICE]: { name: 'alice' } } }));
    const env = { WA_CHECK_API_KEY: UPSTREAM_KEY };
    const args = ['serve', '--clients', clients, '--cache', `${dir}/cache`, '--api', 'v1', '--port', '0'];
    const bad = await runCli([...args, '--top-up', 'pad'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--top-up takes stale or none, got 'pad'.");
    expect(existsSync(`${dir}/cache`)).toBe(false);
  });
});
