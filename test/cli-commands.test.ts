import { describe, expect, test } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { swissNumbers } from './helpers/sim-http.js';
import { runCli } from './helpers/cli.js';
import { parseCsv, useCliTest } from './helpers/cli-env.js';

// wa-check's commands other than check (cli.test.ts).
const { tempDir, start, envFor, inputCsv } = useCliTest();

describe('other commands', () => {
  test('--help on every command, with examples', async () => {
    for (const command of ['check', 'demo', 'simulate', 'cache']) {
      const run = await runCli([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: wa-check/);
      if (command !== 'demo') expect(run.stdout).toContain('Example');
    }
    expect((await runCli(['--help'])).stdout).toContain('Commands:');
  });

  test('cache stats, export and prune', async () => {
    const s = await start();
    const dir = await tempDir();
    const cache = join(dir, 'cache');
    await runCli(
      [
        'check',
        await inputCsv(swissNumbers(50)),
        '--country',
        'CH',
        '--cache',
        cache,
        '--poll-interval',
        '20',
        '-o',
        join(dir, 'o.csv'),
      ],
      envFor(s),
    );
    const stats = await runCli(['cache', 'stats', '--cache', cache]);
    expect(stats.stdout).toMatch(/Answers: +50 \(\d+ yes, \d+ no\)/);
    expect(stats.stdout).toMatch(/Open tasks: +0/);
    expect(stats.stdout).toMatch(/Answer log: +50 records \(0 superseded\)/);
    await runCli(['cache', 'export', join(dir, 'answers.csv'), '--cache', cache]);
    const exported = parseCsv(await readFile(join(dir, 'answers.csv'), 'utf8'));
    expect(exported).toHaveLength(51);
    expect(exported.slice(1).every((row) => row[1] === s.oracle.answer(row[0]!))).toBe(true);
    expect((await runCli(['cache', 'prune', '--older-than', '1', '--cache', cache, '--yes'])).stdout).toContain(
      'Removed 0 answers',
    );
    expect((await runCli(['cache', 'stats', '--cache', cache])).stdout).toMatch(/Answer log: +50 records/);
    await rm(join(cache, 'wa-answers.bin'));
    expect((await runCli(['cache', 'stats', '--cache', cache])).stdout).toMatch(/Answer log: +none yet/);
    expect((await runCli(['cache', 'prune', '--older-than', '0', '--cache', cache, '--yes'])).stdout).toContain(
      'Removed 50 answers',
    );
    // The log cannot forget; an empty cache starts a new one.
    expect((await runCli(['cache', 'stats', '--cache', cache])).stdout).toMatch(/Answer log: +0 records/);
  });

  test('demo runs on the built-in simulator with no key and no setup', async () => {
    const run = await runCli(['demo', '--rows', '400']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/From the cache: +[1-9]/);
    expect(run.stdout).toContain('0 numbers paid twice');
  });
});
