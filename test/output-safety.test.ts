import { spawn } from 'node:child_process';
import { link, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { describe, expect, test } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import { CLI, runCli, startCli } from './helpers/cli.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #13: the output file is a user's file. It is checked before the job pays, written beside
// its target and moved over it only when the job ends; a reader that leaves stops the paying.

const tempDir = useTempDirs();
const KEY = 'sk_output_safety_key_7b1e';
const { start } = useFastSimulators({ apiKey: KEY });

function envFor(s: RunningSimulator): Record<string, string> {
  return { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: KEY, WA_CHECK_USER_ID: 'safety' };
}

async function listIn(dir: string, count = 20): Promise<string> {
  const path = join(dir, 'in.csv');
  await writeFile(path, `phone\n${swissNumbers(count).join('\n')}\n`);
  return path;
}

describe('-o is checked before anything is read, looked up or paid (exit 2, the path named)', () => {
  test('-o naming the input itself, by the same path or through a hard link: the input is kept', async () => {
    const s = await start();
    const dir = await tempDir();
    const input = await listIn(dir);
    const before = await readFile(input, 'utf8');
    await link(input, join(dir, 'alias.csv'));
    for (const output of [input, join(dir, '.', 'in.csv'), join(dir, 'alias.csv')]) {
      const run = await runCli(['check', input, '-o', output, '--cache', join(dir, 'c')], envFor(s));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`'${output}' is the input file`);
    }
    expect(await readFile(input, 'utf8')).toBe(before);
    expect(s.ledger.tasksCreated).toBe(0);
  });

  test('-o in a folder that does not exist, for every format and with --dry-run: nothing paid', async () => {
    const s = await start();
    const dir = await tempDir();
    const input = await listIn(dir);
    for (const [output, extra] of [
      ['nowhere/out.xlsx', []],
      ['nowhere/out.xlsx', ['--dry-run']],
      ['nowhere/out.csv', []],
      ['nowhere/out.jsonl', []],
    ] as const) {
      const run = await runCli(
        ['check', input, '-o', join(dir, output), '--cache', join(dir, 'c'), ...extra],
        envFor(s),
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`'${join(dir, 'nowhere')}' does not exist`);
      expect(run.stderr).not.toContain('    at ');
    }
    expect(s.ledger.tasksCreated).toBe(0);
  });

  test('-o naming a folder: exit 2, nothing paid', async () => {
    const s = await start();
    const dir = await tempDir();
    await mkdir(join(dir, 'results.xlsx'));
    const run = await runCli(
      ['check', await listIn(dir), '-o', join(dir, 'results.xlsx'), '--cache', join(dir, 'c')],
      envFor(s),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is a folder');
    expect(s.ledger.tasksCreated).toBe(0);
  });
});

describe('a job that fails leaves the old output as it was, and no temporary file', () => {
  test('a missing input file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'results.csv'), 'precious,data\n1,2\n');
    const run = await runCli(['check', join(dir, 'typo.csv'), '-o', join(dir, 'results.csv'), '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WA_INPUT_UNREADABLE');
    expect(await readFile(join(dir, 'results.csv'), 'utf8')).toBe('precious,data\n1,2\n');
    expect(await readdir(dir)).toEqual(['results.csv']);
  });

  test('a cache folder locked by another process (WA_CACHE_LOCKED)', async () => {
    const s = await start();
    const dir = await tempDir();
    const input = await listIn(dir);
    const holder = new Level(join(dir, 'cache'));
    await holder.open();
    try {
      await writeFile(join(dir, 'results.xlsx'), 'not really a workbook');
      const run = await runCli(
        ['check', input, '-o', join(dir, 'results.xlsx'), '--cache', join(dir, 'cache')],
        envFor(s),
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('WA_CACHE_LOCKED');
      expect(await readFile(join(dir, 'results.xlsx'), 'utf8')).toBe('not really a workbook');
      expect((await readdir(dir)).sort()).toEqual(['cache', 'in.csv', 'results.xlsx']);
    } finally {
      await holder.close();
    }
  });

  test('a job stopped by the provider (401) after the output was started', async () => {
    const s = await start();
    const dir = await tempDir();
    await writeFile(join(dir, 'results.jsonl'), '{"old":true}\n');
    const run = await runCli(
      [
        'check',
        await listIn(dir),
        '-o',
        join(dir, 'results.jsonl'),
        '--cache',
        join(dir, 'c'),
        '--report-json',
        join(dir, 'report.json'),
      ],
      { ...envFor(s), WA_CHECK_API_KEY: 'wrong-key' },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WA_UNAUTHORIZED');
    expect(await readFile(join(dir, 'results.jsonl'), 'utf8')).toBe('{"old":true}\n');
    expect((await readdir(dir)).sort()).toEqual(['c', 'in.csv', 'report.json', 'results.jsonl']);
    // a scheduler learns why from the report
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))).toMatchObject({
      error: { code: 'WA_UNAUTHORIZED' },
    });
  });
});

test('a finished job replaces the old output whole, and removes the temporary file of a killed run', async () => {
  const s = await start();
  const dir = await tempDir();
  await writeFile(join(dir, 'results.csv'), 'old\n');
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => dead.on('close', resolve));
  await writeFile(join(dir, `.results.csv.${dead.pid}-0123abcd.tmp`), 'row,input\n1,half');
  await writeFile(join(dir, `.results.csv.${process.pid}-0123abcd.tmp`), 'a live process is writing');
  const run = await runCli(
    [
      'check',
      await listIn(dir, 30),
      '-o',
      join(dir, 'results.csv'),
      '--cache',
      join(dir, 'c'),
      '--poll-interval',
      '20',
    ],
    envFor(s),
  );
  expect(run.code).toBe(0);
  const lines = (await readFile(join(dir, 'results.csv'), 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(31);
  expect(lines[0]).toBe('row,input,number,whatsapp,source,reason,duplicate');
  expect((await readdir(dir)).sort()).toEqual([
    `.results.csv.${process.pid}-0123abcd.tmp`,
    'c',
    'in.csv',
    'results.csv',
  ]);
});

test('Ctrl-C: the old output is kept, the partial results are left under a name that says so', async () => {
  // Slow enough that the job is still checking when the signal comes.
  const s = await start({ numbersPerSecond: 20 });
  const dir = await tempDir();
  await writeFile(join(dir, 'results.csv'), 'old\n');
  const { child, done } = startCli(
    [
      'check',
      await listIn(dir, 400),
      '-o',
      join(dir, 'results.csv'),
      '--cache',
      join(dir, 'c'),
      '--poll-interval',
      '20',
      '--task-size',
      '100',
    ],
    envFor(s),
  );
  child.stdin!.end();
  // Interrupted once the provider has a task: the job is under way.
  while (s.ledger.tasksCreated === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill('SIGINT');
  const run = await done;
  expect(run.code).toBe(3);
  expect(run.stderr).toContain(`Partial results:     ${join(dir, 'results.partial.csv')}`);
  expect(await readFile(join(dir, 'results.csv'), 'utf8')).toBe('old\n');
  const partial = (await readFile(join(dir, 'results.partial.csv'), 'utf8')).trim().split('\n');
  expect(partial[0]).toBe('row,input,number,whatsapp,source,reason,duplicate');
  expect(partial.length).toBeGreaterThan(1);
  expect((await readdir(dir)).sort()).toEqual(['c', 'in.csv', 'results.csv', 'results.partial.csv']);
});

test('`wa-check check list | head -1` stops paying: far less than the list is charged, exit 0, no EPIPE', async () => {
  const s = await start({ numbersPerSecond: 2_000 });
  const dir = await tempDir();
  const numbers = 20_000;
  const input = await listIn(dir, numbers);
  const args = [
    CLI,
    'check',
    input,
    '--cache',
    join(dir, 'c'),
    '--poll-interval',
    '20',
    '--task-size',
    '100',
    '--concurrency',
    '1',
  ];
  const shell = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "$@" | head -1`, 'wa-check', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...envFor(s) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => shell.on('close', resolve));
  expect(stdout).toBe('row,input,number,whatsapp,source,reason,duplicate\n');
  expect(stderr).not.toContain('EPIPE');
  expect(code).toBe(0);
  // 200 tasks of 100, one at a time, make the list. head leaves after the header; the CLI learns it
  // at its next write (the first block of answers, which comes once pass 1 has read the list: a
  // few tasks in) and stops the job there. Measured: 300 to 1,200 charged, not 20,000.
  expect(s.ledger.numbersCharged).toBeLessThanOrEqual(numbers / 4);
});
