import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveCheckOptions } from '../src/job/options.js';
import { SHARE_ROWS } from '../src/job/normalize-rows.js';
import { sampleRows } from '../src/sample/sample-list.js';
import { roundRobin } from '../src/worker/round-robin.js';
import { runCli } from './helpers/cli.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

async function* counted(items: number[], closed: number[], id: number): AsyncGenerator<number> {
  try {
    yield* items;
  } finally {
    closed.push(id);
  }
}

describe('roundRobin()', () => {
  test('takes one item from each stream in turn, and ends when the stream whose turn it is has none', async () => {
    const closed: number[] = [];
    const merged = roundRobin([counted([0, 3, 6], closed, 0), counted([1, 4], closed, 1), counted([2, 5], closed, 2)]);
    const items: number[] = [];
    for await (const item of merged) items.push(item);
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(closed.sort()).toEqual([0, 1, 2]);
  });

  test('a consumer that stops early closes every stream', async () => {
    const closed: number[] = [];
    const streams = [counted([0, 2, 4], closed, 0), counted([1, 3, 5], closed, 1)];
    for await (const item of roundRobin(streams)) if (item === 2) break;
    expect(closed.sort()).toEqual([0, 1]);
  });
});

describe('threads option', () => {
  test('resolveCheckOptions() - threads must be a positive integer of at most 16', () => {
    expect(resolveCheckOptions({ dryRun: true, threads: 2 }).threads).toBe(2);
    expect(resolveCheckOptions({ dryRun: true }).threads).toBeGreaterThanOrEqual(1);
    for (const threads of [0, 1.5, 17])
      expect(() => resolveCheckOptions({ dryRun: true, threads })).toThrow(
        expect.objectContaining({ code: 'WA_INVALID_OPTION' }),
      );
  });

  // Runs dist/ (the workers exist once compiled).
  test('wa-check check --threads 1, 2 and 3 write the same bytes: input order, row numbers, quoted line breaks, bad rows', async () => {
    const dir = await tempDir();
    const input = join(dir, 'list.csv');
    // Past three slices of rows, so that each of three workers has slices, and a last partial one;
    // a quoted field with a line break, a row with too few fields and one with a bad quote in the middle.
    const lines = ['name,phone,country'];
    let i = 0;
    for (const row of sampleRows({ rows: SHARE_ROWS * 3 + 1234, seed: 'threads', shape: 'crm' })) {
      i++;
      if (i === SHARE_ROWS + 7) lines.push('"two\nlines",+41 79 123 45 67,CH');
      if (i === SHARE_ROWS * 2 + 3) lines.push('lonely');
      if (i === SHARE_ROWS * 3 + 11) lines.push('x,"+41 79 123 45 68,CH');
      lines.push(`${row.name},${row.phone},${row.country}`);
    }
    await writeFile(input, `${lines.join('\n')}\n`);
    const outputs: string[] = [];
    for (const threads of ['1', '2', '3']) {
      const output = join(dir, `out-${threads}.csv`);
      const run = await runCli([
        'check',
        input,
        '--dry-run',
        '--cache',
        join(dir, 'cache'),
        '--threads',
        threads,
        '-o',
        output,
      ]);
      expect(run.code, run.stderr).toBe(0);
      outputs.push(await readFile(output, 'utf8'));
    }
    // The input's own columns come first (the name of one record spans two lines), then `row`:
    // the last record is row 13,525 (the list's rows and the three added).
    const rows = outputs[0]!.trimEnd().split('\n');
    expect(rows.length).toBeGreaterThan(SHARE_ROWS * 3 + 1234);
    expect(rows.at(-1)).toContain(`,${SHARE_ROWS * 3 + 1234 + 3},`);
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
  });

  test('wa-check check --threads 2 on a file that is no list: the error, exit 1, and no worker left waiting', async () => {
    const dir = await tempDir();
    const input = join(dir, 'scan.pdf');
    await writeFile(input, Buffer.from('%PDF-1.4\n\u0000\u0001binary'));
    const run = await runCli(['check', input, '--dry-run', '--cache', join(dir, 'cache'), '--threads', '2']);
    expect(run.stderr).toContain('WA_INPUT_UNREADABLE');
    expect(run.code).toBe(1);
  });

  test('wa-check check --threads 0 is bad usage, named', async () => {
    const dir = await tempDir();
    const input = join(dir, 'list.csv');
    await writeFile(input, 'phone\n+41791234567\n');
    const run = await runCli(['check', input, '--dry-run', '--cache', join(dir, 'cache'), '--threads', '0']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('threads');
  });
});
