import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import { CLI, runCli } from './helpers/cli.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #13: what a person at a terminal sees. `script` (util-linux) gives the CLI a real
// pseudo-terminal, stdin and stdout and stderr alike, and records what the terminal received.

const tempDir = useTempDirs();
const KEY = 'sk_terminal_key_51aa';
const { start } = useFastSimulators({ apiKey: KEY });

function envFor(s: RunningSimulator): Record<string, string> {
  return { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: KEY, WA_CHECK_USER_ID: 'terminal' };
}

/** Runs the CLI on a terminal, typing `typed`; returns what the terminal was sent. */
function onTerminal(args: string[], env: Record<string, string>, typed = ''): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let seen = '';
  child.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  child.stdin.end(typed);
  return new Promise((resolve) => child.on('close', () => resolve(seen)));
}

/** The lines as the terminal shows them: what follows the last carriage return, escapes removed. */
function shownLines(sent: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is removed
  const escapes = /\x1b\[[0-9;]*[A-Za-z]/g;
  // A terminal's newline is CR LF: the CR that ends a line is not a redraw.
  return sent.split('\r\n').map((line) => (line.split('\r').at(-1) ?? '').replace(escapes, ''));
}

test('CSV on stdout to the same terminal as the progress line: every row starts on a clean line', async () => {
  const s = await start({ numbersPerSecond: 2_000 });
  const dir = await tempDir();
  const input = join(dir, 'in.csv');
  await writeFile(input, `phone\n${swissNumbers(300).join('\n')}\n`);
  const sent = await onTerminal(
    ['check', input, '--cache', join(dir, 'c'), '--poll-interval', '20', '--task-size', '50', '--concurrency', '1'],
    envFor(s),
  );
  expect(sent).toContain('checking ·'); // the progress line was drawn
  const lines = shownLines(sent);
  const rows = lines.filter((line) => /^\d+,/.test(line));
  expect(rows).toHaveLength(300);
  expect(lines.filter((line) => line.includes('·') && line.includes(',+41'))).toEqual([]);
  expect(lines).toContain('row,input,number,whatsapp,source,reason,duplicate');
});

test('cache prune asks on a terminal: n keeps the answers, y deletes them', async () => {
  const s = await start();
  const dir = await tempDir();
  const input = join(dir, 'in.csv');
  await writeFile(input, `phone\n${swissNumbers(8).join('\n')}\n`);
  const cache = join(dir, 'cache');
  expect((await runCli(['check', input, '--cache', cache, '-o', join(dir, 'o.csv')], envFor(s))).code).toBe(0);
  const prune = ['cache', 'prune', '--older-than', '0', '--cache', cache];
  const declined = await onTerminal(prune, {}, 'n\n');
  expect(declined).toContain('Delete these 8 answers? [y/N]');
  expect(declined).toContain('Nothing deleted.');
  const accepted = await onTerminal(prune, {}, 'y\n');
  expect(accepted).toContain('Removed 8 answers');
  expect((await runCli(['cache', 'stats', '--cache', cache])).stdout).toMatch(/Answers: +0 /);
});
