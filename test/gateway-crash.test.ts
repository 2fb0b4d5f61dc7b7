import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startCli } from './helpers/cli.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { createTask, downloadRows, pollUntilExported, readTask } from './helpers/gateway-http.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Runs dist/: `npm run build` first.

const UPSTREAM_KEY = 'sk_upstream_crash_secret';
const ALICE = 'client-key-alice-crash';
const BOB = 'client-key-bob-crash01';
const tempDir = useTempDirs();
const { start } = useFastSimulators({ apiKey: UPSTREAM_KEY, failureShare: 0.05 });

/** Starts `wa-check serve` and resolves with its URL once it listens. */
async function serve(args: string[], env: Record<string, string>) {
  const run = startCli(['serve', ...args], env);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    run.child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"event":"listening","url":"([^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    run.child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  return { ...run, url };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('kill -9 mid-task and restart: both clients\u2019 tasks finish, by the same ids, nothing paid twice', async () => {
  const sim = await start();
  // Status reads wait at the gate: the upstream task cannot finish before the kill.
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  sim.hooks.beforeStatus = () => gate;
  const dir = await tempDir();
  const clients = join(dir, 'clients.json');
  await writeFile(clients, JSON.stringify({ keys: { [ALICE]: { name: 'alice' }, [BOB]: { name: 'bob' } } }));
  const env = { WA_CHECK_API_KEY: UPSTREAM_KEY, WA_CHECK_API_URL: sim.url };
  // --rate 0: the test polls every 10 ms, far past serve's default of 60 requests a minute.
  const args = ['--clients', clients, '--cache', join(dir, 'cache'), '--api', 'v1', '--pool-wait', '20', '--rate', '0'];
  const first = await serve([...args, '--port', '0', '--poll-interval', '20'], env);
  const port = new URL(first.url).port;

  const aliceNumbers = swissNumbers(400, 0);
  const bobNumbers = swissNumbers(300, 300); // 100 shared
  const alice = (await (await createTask(first.url, ALICE, 'legacy', aliceNumbers)).json()) as { task_id: string };
  const bob = (await (await createTask(first.url, BOB, 'v1', bobNumbers)).json()) as { task_id: string };
  // Processing means the upstream task is created and journaled as submitted.
  for (;;) {
    const task = (await (await readTask(first.url, BOB, 'v1', bob.task_id)).json()) as { status: string };
    if (task.status === 'processing') break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(sim.ledger.tasksCreated).toBe(1);
  await killed(first.child);

  const second = await serve([...args, '--port', port, '--poll-interval', '20'], env);
  openGate();
  const [aliceDone, bobDone] = await Promise.all([
    pollUntilExported(second.url, ALICE, 'legacy', alice.task_id),
    pollUntilExported(second.url, BOB, 'v1', bob.task_id),
  ]);
  const expected = (numbers: string[]) =>
    new Map(numbers.filter((n) => sim.oracle.answer(n) !== 'fail').map((n) => [n, sim.oracle.answer(n)] as const));
  expect((await downloadRows(aliceDone.task.result_url!)).rows).toEqual(expected(aliceNumbers));
  expect((await downloadRows(bobDone.task.result_url!)).rows).toEqual(expected(bobNumbers));
  expect(sim.ledger.snapshot()).toMatchObject({ tasksCreated: 1, numbersCharged: 600, doubleCharged: {} });

  // Graceful stop: SIGTERM ends the process cleanly, and nothing it wrote holds a key.
  second.child.kill('SIGTERM');
  const ended = await second.done;
  expect(ended.code).toBe(0);
  expect(ended.stdout).toContain('"event":"stopped"');
  expect(ended.stdout + ended.stderr).not.toContain(UPSTREAM_KEY);
  expect(ended.stdout).not.toContain(ALICE);
}, 60_000);
