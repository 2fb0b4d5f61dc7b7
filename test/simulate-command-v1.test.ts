import { afterEach, expect, test } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { startCli } from './helpers/cli.js';
import { swissNumbers, uploadForm } from './helpers/sim-http.js';

// Runs dist/: `npm run build` first.

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `wa-check simulate` and resolves with its API URL once it says it listens. */
async function simulate(args: string[]) {
  const run = startCli(['simulate', '--port', '0', '--key', 'test-key', ...args]);
  children.push(run.child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    run.child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API:\s+(http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    run.done.then((result) => reject(new Error(`simulate ended early: ${result.stderr}`)));
  });
  return { url, output: () => output, run };
}

test('wa-check simulate - v1 options: balance, create status, legacy minimum', async () => {
  const sim = await simulate(['--balance', '1', '--create-status', '202', '--legacy-min-rows', '10']);
  const headers = { 'x-api-key': 'test-key' };
  expect(sim.output()).toContain('/v1/balance');
  const form = new FormData();
  form.set('task_type', 'ws');
  form.set('file', new Blob([`${swissNumbers(500).join('\n')}\n`]), 'numbers.txt');
  const created = await fetch(`${sim.url}/v1/tasks`, { method: 'POST', headers, body: form });
  expect(created.status).toBe(202);
  expect(await (await fetch(`${sim.url}/v1/balance`, { headers })).json()).toEqual({ balance: 0.95 });
  const legacy = await fetch(`${sim.url}/wa/api/simple/tasks`, {
    method: 'POST',
    headers,
    body: uploadForm('test', swissNumbers(9, 1000).join('\n')),
  });
  expect(legacy.status).toBe(400);
  sim.run.child.kill('SIGTERM');
  expect((await sim.run.done).code).toBe(0);
});

test('wa-check simulate - a bad --create-status is a usage error', async () => {
  const result = await startCli(['simulate', '--create-status', '201']).done;
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--create-status takes 200 or 202');
});
