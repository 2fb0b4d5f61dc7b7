import { describe, expect, test } from 'vitest';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { swissNumbers } from './helpers/sim-http.js';
import { runCli } from './helpers/cli.js';
import { CLI_TEST_KEY, parseCsv, useCliTest } from './helpers/cli-env.js';

// The other commands (help, cache, demo) are in cli-commands.test.ts, so the two files run in parallel.
const { tempDir, start, envFor, inputCsv } = useCliTest();
const KEY = CLI_TEST_KEY;

/** Every file below a folder, as text, to search for secrets. */
async function allFileText(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) text += (await readFile(path)).toString('latin1');
  }
  return text;
}

describe('wa-check check', () => {
  test('a CSV in, the output file checked row by row against the oracle; exit 0', async () => {
    const s = await start();
    const numbers = swissNumbers(400);
    const dir = await tempDir();
    const output = join(dir, 'out.csv');
    const run = await runCli(
      [
        'check',
        await inputCsv(numbers),
        '-o',
        output,
        '--country',
        'CH',
        '--cache',
        join(dir, 'cache'),
        '--poll-interval',
        '20',
      ],
      envFor(s),
    );
    expect(run.stderr).toContain('Numbers paid for:    400');
    expect(run.code).toBe(0);
    const rows = parseCsv(await readFile(output, 'utf8'));
    // The input's own columns first (name, phone), then the result columns.
    expect(rows[0]).toEqual(['name', 'phone', 'row', 'input', 'number', 'whatsapp', 'source', 'reason', 'duplicate']);
    expect(rows).toHaveLength(401);
    rows.slice(1).forEach((line, i) => {
      expect(line[0]).toBe(`p${i}`);
      const row = line.slice(2);
      expect(row[0]).toBe(String(i + 1));
      expect(row[2]).toBe(numbers[i]);
      expect(row[3]).toBe(s.oracle.answer(numbers[i]!));
      expect(row[4]).toBe('api');
    });
    expect(run.stdout).toBe('');
  });

  test('CSV on stdout without -o; no progress when stderr is not a terminal; --progress forces it', async () => {
    const s = await start();
    const dir = await tempDir();
    const input = await inputCsv(swissNumbers(20));
    const plain = await runCli(
      ['check', input, '--country', 'CH', '--cache', join(dir, 'cache'), '--poll-interval', '20'],
      envFor(s),
    );
    expect(plain.code).toBe(0);
    expect(parseCsv(plain.stdout)).toHaveLength(21);
    expect(plain.stderr).not.toContain('\r');
    const forced = await runCli(
      ['check', input, '--country', 'CH', '--cache', join(dir, 'cache'), '--progress', '-o', join(dir, 'o.jsonl')],
      envFor(s),
    );
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('\r');
    expect(forced.stderr).toMatch(/rows 20/);
    expect((await readFile(join(dir, 'o.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(20);
  });

  test('reads the input from stdin with -', async () => {
    const s = await start();
    const dir = await tempDir();
    const csv = `phone\n${swissNumbers(30).join('\n')}\n`;
    const run = await runCli(
      ['check', '-', '--cache', join(dir, 'cache'), '--poll-interval', '20', '--format', 'jsonl'],
      envFor(s),
      csv,
    );
    expect(run.code).toBe(0);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { number: string; whatsapp: boolean });
    expect(results.map((r) => r.number)).toEqual(swissNumbers(30));
    expect(results.every((r) => r.whatsapp === (s.oracle.answer(r.number) === 'yes'))).toBe(true);
  });

  test('the key never appears in stdout, stderr, the output or the cache folder', async () => {
    const s = await start({ failureShare: 0.1 });
    const dir = await tempDir();
    s.faults.add({ on: 'create', kind: 'drop-after-create' });
    const runs = [
      await runCli(
        [
          'check',
          await inputCsv(swissNumbers(200)),
          '-o',
          join(dir, 'out.xlsx'),
          '--country',
          'CH',
          '--cache',
          join(dir, 'cache'),
          '--poll-interval',
          '20',
          '--debug',
        ],
        envFor(s),
      ),
      await runCli(
        ['check', await inputCsv(swissNumbers(5)), '--country', 'CH', '--cache', join(dir, 'cache2'), '--debug'],
        envFor(s, { WA_CHECK_API_KEY: `${KEY}-wrong` }),
      ),
    ];
    expect(runs[1]!.stderr).toContain('WA_UNAUTHORIZED');
    for (const run of runs) {
      expect(run.stdout).not.toContain(KEY);
      expect(run.stderr).not.toContain(KEY);
    }
    expect(await allFileText(dir)).not.toContain(KEY);
  });

  test('--api-key-file is read; a key flag is refused with exit 2', async () => {
    const s = await start();
    const dir = await tempDir();
    await writeFile(join(dir, 'key'), `${KEY}\n`);
    const env = { WA_CHECK_API_URL: s.url, WA_CHECK_USER_ID: 'u' };
    const withFile = await runCli(
      [
        'check',
        await inputCsv(swissNumbers(3)),
        '--api-key-file',
        join(dir, 'key'),
        '--cache',
        join(dir, 'c'),
        '--country',
        'CH',
        '--poll-interval',
        '20',
      ],
      env,
    );
    expect(withFile.code).toBe(0);
    const withFlag = await runCli(['check', 'x.csv', '--api-key', KEY], env);
    expect(withFlag.code).toBe(2);
    expect(withFlag.stderr).toContain('not taken from a flag');
    expect(withFlag.stderr).not.toContain(KEY);
  });

  test('exit codes: 2 bad usage, 1 error, 3 unanswered numbers', async () => {
    const s = await start({ failureShare: 0.3 });
    const dir = await tempDir();
    expect((await runCli(['check'], envFor(s))).code).toBe(2);
    expect((await runCli(['check', 'a.csv', '--order', 'random'], envFor(s))).code).toBe(2);
    expect((await runCli(['nope'], envFor(s))).code).toBe(2);
    const missing = await runCli(['check', join(dir, 'missing.csv'), '--cache', join(dir, 'c')], envFor(s));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^wa-check: WA_INPUT_UNREADABLE: .*missing\.csv/);
    expect(missing.stderr).not.toContain('    at ');
    const partial = await runCli(
      [
        'check',
        await inputCsv(swissNumbers(100)),
        '--country',
        'CH',
        '--cache',
        join(dir, 'c'),
        '--poll-interval',
        '20',
        '-o',
        join(dir, 'o.csv'),
      ],
      envFor(s),
    );
    expect(partial.code).toBe(3);
    expect(partial.stderr).toMatch(/Unanswered: +\d+ \(\d+ provider_gave_no_answer\)/);
  });

  test('a phone column that is not there is WA_INVALID_OPTION, naming the header row', async () => {
    const s = await start();
    const dir = await tempDir();
    const run = await runCli(
      ['check', await inputCsv(swissNumbers(3)), '--column', 'mobile', '--cache', join(dir, 'c')],
      envFor(s),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "WA_INVALID_OPTION: The phone column 'mobile' is not in the header row, which reads: 'name', 'phone'",
    );
  });

  test('--dry-run pays nothing and says what would be paid', async () => {
    const s = await start();
    const dir = await tempDir();
    const run = await runCli(
      [
        'check',
        await inputCsv(swissNumbers(1200)),
        '--country',
        'CH',
        '--cache',
        join(dir, 'c'),
        '--dry-run',
        '-o',
        join(dir, 'o.csv'),
      ],
      envFor(s),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('would upload 1,200 numbers in 5 tasks');
    expect(s.ledger.numbersCharged).toBe(0);
    expect(s.ledger.statusReads).toBe(0);
  });

  test('--max-spend is honoured', async () => {
    const s = await start();
    const dir = await tempDir();
    const run = await runCli(
      [
        'check',
        await inputCsv(swissNumbers(300)),
        '--country',
        'CH',
        '--cache',
        join(dir, 'c'),
        '--max-spend',
        '120',
        '--poll-interval',
        '20',
        '-o',
        join(dir, 'o.csv'),
      ],
      envFor(s),
    );
    expect(run.code).toBe(3);
    expect(s.ledger.numbersCharged).toBe(120);
    expect(run.stderr).toContain('180 max_spend_reached');
  });
});
