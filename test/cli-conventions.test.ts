import { readdir, readFile, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CACHE_HELP } from '../src/cli/cache-command.js';
import { CHECK_HELP } from '../src/cli/check-help.js';
import { unknownOptionMessage } from '../src/cli/suggest.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { CLI, runCli } from './helpers/cli.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #13: the conventions a command-line user expects, each with the exit code the README gives.

const tempDir = useTempDirs();
const KEY = 'sk_conventions_key_93cd';
const { start } = useFastSimulators({ apiKey: KEY });

function envFor(s: RunningSimulator): Record<string, string> {
  return { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: KEY, WA_CHECK_USER_ID: 'conventions' };
}

async function listIn(dir: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, 'in.csv');
  await writeFile(path, `phone\n${lines.join('\n')}\n`);
  return path;
}

describe('wa-check', () => {
  test('--version prints the package version', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`wa-check ${manifest.version}\n`);
  });

  test('help <command> shows that command’s help; help on a non-command is exit 2', async () => {
    const run = await runCli(['help', 'check']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: wa-check check <input>/);
    expect((await runCli(['help', 'cache'])).stdout).toMatch(/^Usage: wa-check cache/);
    const wrong = await runCli(['help', 'chek']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("no help on 'chek': it is not a command");
  });

  test('a typo in a flag: exit 2 and the flag it was probably meant to be', async () => {
    const run = await runCli(['check', 'x.csv', '--dryrun']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--dryrun'. Did you mean '--dry-run'?");
  });
});

test('unknownOptionMessage() - the nearest option of the help, only when it is near', () => {
  const unknown = (option: string) => new Error(`Unknown option '${option}'. To specify a positional argument...`);
  for (const [typo, meant] of [
    ['--dryrun', '--dry-run'],
    ['--ouput', '--output'],
    ['--no-progres', '--no-progress'],
    ['--concurency=3', '--concurrency'],
  ])
    expect(unknownOptionMessage(unknown(typo!), CHECK_HELP)).toContain(`Did you mean '${meant}'?`);
  expect(unknownOptionMessage(unknown('--olderthan'), CACHE_HELP)).toContain("Did you mean '--older-than'?");
  expect(unknownOptionMessage(unknown('--zzzzzzzz'), CHECK_HELP)).toBe("Unknown option '--zzzzzzzz'.");
  expect(unknownOptionMessage(new Error("Option '--output <value>' argument missing"), CHECK_HELP)).toBeUndefined();
});

describe('wa-check check: usage mistakes are exit 2 and say what to do', () => {
  test('a missing --api-key-file names the option and the path, not a bare ENOENT', async () => {
    const dir = await tempDir();
    const keyFile = join(dir, 'no-such-key');
    const run = await runCli(['check', await listIn(dir, ['+41791000001']), '--api-key-file', keyFile], {
      WA_CHECK_USER_ID: 'u',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--api-key-file '${keyFile}': there is no such file.`);
    await writeFile(keyFile, '\n');
    const empty = await runCli(['check', join(dir, 'in.csv'), '--api-key-file', keyFile], { WA_CHECK_USER_ID: 'u' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('is empty');
  });

  test('an API URL without a scheme is shown, with the fix', async () => {
    const dir = await tempDir();
    const input = await listIn(dir, ['+41791000001']);
    const env = { WA_CHECK_API_KEY: KEY, WA_CHECK_USER_ID: 'u' };
    const flag = await runCli(['check', input, '--api-url', 'api.ekycpro.com', '--cache', join(dir, 'c')], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--api-url 'api.ekycpro.com' is not a URL");
    expect(flag.stderr).toContain("'https://api.ekycpro.com'");
    const variable = await runCli(['check', input, '--cache', join(dir, 'c')], {
      ...env,
      WA_CHECK_API_URL: 'localhost:8080',
    });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toContain("WA_CHECK_API_URL 'localhost:8080'");
    expect(variable.stderr).toContain("'https://localhost:8080'");
    expect(flag.stderr + variable.stderr).not.toContain(KEY);
  });

  test('a --column that is not in the file: exit 2, nothing paid', async () => {
    const s = await start();
    const dir = await tempDir();
    const run = await runCli(
      ['check', await listIn(dir, swissNumbers(3)), '--column', 'mobile', '--cache', join(dir, 'c')],
      envFor(s),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WA_INVALID_OPTION');
    expect(s.ledger.tasksCreated).toBe(0);
  });
});

describe('wa-check check: what goes where', () => {
  test('a dry run prints the estimate only; with -o it writes the rows', async () => {
    const dir = await tempDir();
    const input = await listIn(dir, swissNumbers(40));
    const bare = await runCli(['check', input, '--dry-run', '--cache', join(dir, 'c')]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('would upload 40 numbers');
    expect(bare.stderr).not.toContain('Unanswered');
    const withOutput = await runCli(['check', input, '--dry-run', '--cache', join(dir, 'c'), '-o', join(dir, 'o.csv')]);
    expect(withOutput.code).toBe(0);
    expect((await readFile(join(dir, 'o.csv'), 'utf8')).trim().split('\n')).toHaveLength(41);
    const toStdout = await runCli(['check', input, '--dry-run', '--cache', join(dir, 'c'), '-o', '-']);
    expect(toStdout.stdout.trim().split('\n')).toHaveLength(41);
    expect(await readdir(dir)).not.toContain('-');
  });

  test('--no-formula-guard keeps CSV cells as read; by default they are guarded', async () => {
    const dir = await tempDir();
    const input = await listIn(dir, ['=2+2', '@SUM(A1)']);
    await runCli(['check', input, '--dry-run', '--cache', join(dir, 'c'), '-o', join(dir, 'guarded.csv')]);
    await runCli([
      'check',
      input,
      '--dry-run',
      '--cache',
      join(dir, 'c'),
      '-o',
      join(dir, 'raw.csv'),
      '--no-formula-guard',
    ]);
    expect(await readFile(join(dir, 'guarded.csv'), 'utf8')).toContain("1,'=2+2,");
    const raw = await readFile(join(dir, 'raw.csv'), 'utf8');
    expect(raw).toContain('1,=2+2,');
    expect(raw).toContain('2,@SUM(A1),');
  });

  test('--report-json writes the summary for schedulers, its figures those of the ledger', async () => {
    const s = await start();
    const dir = await tempDir();
    const run = await runCli(
      [
        'check',
        await listIn(dir, [...swissNumbers(30), ...swissNumbers(5)]),
        '-o',
        join(dir, 'out.csv'),
        '--report-json',
        join(dir, 'report.json'),
        '--cache',
        join(dir, 'c'),
        '--poll-interval',
        '20',
      ],
      envFor(s),
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({
      rows: 35,
      duplicateRows: 5,
      uniqueNumbers: 30,
      numbersCharged: s.ledger.numbersCharged,
      complete: true,
      exitCode: 0,
      output: join(dir, 'out.csv'),
    });
    expect(JSON.stringify(report)).not.toContain(KEY);
  });
});

describe('wa-check cache', () => {
  async function filledCache(s: RunningSimulator, dir: string): Promise<string> {
    const cache = join(dir, 'cache');
    const args = ['check', await listIn(dir, swissNumbers(12)), '--cache', cache, '--poll-interval', '20'];
    const run = await runCli([...args, '-o', join(dir, 'o.csv')], envFor(s));
    expect(run.code).toBe(0);
    return cache;
  }

  test('export - writes the CSV to stdout and makes no file named -', async () => {
    const s = await start();
    const dir = await tempDir();
    const cache = await filledCache(s, dir);
    const run = await runCli(['cache', 'export', '-', '--cache', cache]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('number,whatsapp,checked_at');
    expect(lines).toHaveLength(13);
    expect(run.stderr).toContain('Exported 12 answers to stdout');
    expect(await readdir(dir)).not.toContain('-');
    expect(await readdir(process.cwd())).not.toContain('-');
  });

  test('prune shows what it would delete and deletes only with --yes', async () => {
    const s = await start();
    const dir = await tempDir();
    const cache = await filledCache(s, dir);
    const asked = await runCli(['cache', 'prune', '--older-than', '0', '--cache', cache]);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('12 answers are older than 0 days');
    expect(asked.stdout).toContain('Nothing deleted: run again with --yes');
    const dryRun = await runCli(['cache', 'prune', '--older-than', '0', '--cache', cache, '--dry-run', '--yes']);
    expect(dryRun.stdout).toContain('12 answers are older than 0 days');
    expect(dryRun.stdout).toContain('Nothing deleted');
    const confirmed = await runCli(['cache', 'prune', '--older-than', '0', '--cache', cache, '--yes']);
    expect(confirmed.stdout).toContain('Removed 12 answers');
    expect((await runCli(['cache', 'stats', '--cache', cache])).stdout).toMatch(/Answers: +0 /);
  });
});

describe('a standard output that cannot be written (a full disk: /dev/full)', () => {
  /** Runs the CLI with stdout on /dev/full; stderr is collected. */
  async function runToFullDevice(args: string[], env: Record<string, string> = {}) {
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ['ignore', full, 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code, stderr };
    } finally {
      closeSync(full);
    }
  }

  test('`check --help` exits 1 and says why, as every other command does', async () => {
    for (const args of [['check', '--help'], ['--help']]) {
      const run = await runToFullDevice(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toMatch(/cannot write to standard output: ENOSPC/);
    }
  });

  test('a job whose results go to standard output exits nonzero and says why', async () => {
    const s = await start();
    const input = await listIn(await tempDir(), swissNumbers(5));
    const run = await runToFullDevice(['check', input, '--cache', join(await tempDir(), 'cache')], envFor(s));
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toMatch(/ENOSPC/);
  });
});
