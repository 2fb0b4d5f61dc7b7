import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseString } from '@fast-csv/parse';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { useCliTest } from './helpers/cli-env.js';
import { swissNumbers } from './helpers/sim-http.js';

// Issue #13: the input's own columns come back with each result, and the columns chosen are named.
const { tempDir, start, envFor } = useCliTest();

const RESULT_COLUMNS = ['row', 'input', 'number', 'whatsapp', 'source', 'reason', 'duplicate'];
const INPUT_HEADER = ['Name', 'Email', 'Mobile', 'Country', 'CRM id'];

/** A file parsed by an independent CSV reader. */
function readCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text, { headers: false })
      .on('data', (row: string[]) => rows.push(row))
      .on('error', reject)
      .on('end', () => resolve(rows));
  });
}

/**
 * A contact list whose first rows are cached by an earlier run (answered in pass 1), then rows
 * answered by the API (spooled, pass 2), an invalid one, a duplicate, a quoted one with a comma
 * and a newline, a short one, and a malformed one (an unclosed quote).
 */
async function contactList(dir: string) {
  const numbers = swissNumbers(6);
  const cachedPart = numbers.slice(0, 2);
  const lines = [
    INPUT_HEADER.join(','),
    `Ann,ann@example.com,${numbers[0]},CH,c-1`,
    `Ben,ben@example.com,${numbers[1]},CH,c-2`,
    `Cleo,cleo@example.com,${numbers[2]},CH,c-3`,
    'Dora,dora@example.com,not a phone,CH,c-4',
    `Eve,eve@example.com,${numbers[2]},CH,c-5`,
    `"Fitz, Jr","=HYPERLINK(""x"")",${numbers[3]},CH,"c-6\nsecond line"`,
    `Gus,,${numbers[4]}`,
    `Hal,"hal@example.com,${numbers[5]},CH,c-8`,
  ];
  const input = join(dir, 'contacts.csv');
  await writeFile(input, `${lines.join('\n')}\n`);
  const warmup = join(dir, 'warmup.csv');
  await writeFile(warmup, `Mobile\n${cachedPart.join('\n')}\n`);
  return { input, warmup, numbers };
}

/** The cells each row of contactList() must carry, before its result cells. */
function expectedSources(numbers: string[]): string[][] {
  return [
    ['Ann', 'ann@example.com', numbers[0]!, 'CH', 'c-1'],
    ['Ben', 'ben@example.com', numbers[1]!, 'CH', 'c-2'],
    ['Cleo', 'cleo@example.com', numbers[2]!, 'CH', 'c-3'],
    ['Dora', 'dora@example.com', 'not a phone', 'CH', 'c-4'],
    ['Eve', 'eve@example.com', numbers[2]!, 'CH', 'c-5'],
    ['Fitz, Jr', '=HYPERLINK("x")', numbers[3]!, 'CH', 'c-6\nsecond line'],
    ['Gus', '', numbers[4]!, '', ''],
    // A malformed row carries what it has: its text, in the first column.
    [`Hal,"hal@example.com,${numbers[5]},CH,c-8`, '', '', '', ''],
  ];
}

async function checkedRun(dir: string, args: string[]) {
  const s = await start();
  const { input, warmup, numbers } = await contactList(dir);
  const cache = join(dir, 'cache');
  const common = ['--country', 'CH', '--cache', cache, '--poll-interval', '20'];
  const warm = await runCli(['check', warmup, '-o', join(dir, 'warm.csv'), ...common], envFor(s));
  expect(warm.code).toBe(0);
  const run = await runCli(['check', input, ...args, ...common], envFor(s));
  return { run, numbers, oracle: s.oracle };
}

describe('wa-check check: the input columns carried through', () => {
  test('CSV: every input column in order, then the result columns, for cached, API, invalid, duplicate and malformed rows', async () => {
    const dir = await tempDir();
    const output = join(dir, 'out.csv');
    const { run, numbers, oracle } = await checkedRun(dir, ['-o', output]);
    expect(run.code).toBe(0);
    const rows = await readCsv(await readFile(output, 'utf8'));
    expect(rows[0]).toEqual([...INPUT_HEADER, ...RESULT_COLUMNS]);
    expect(rows).toHaveLength(9);
    const sources = expectedSources(numbers);
    // The formula guard applies to carried cells as to `input`.
    sources[5]![1] = `'${sources[5]![1]}`;
    sources.forEach((cells, i) => {
      const row = rows[i + 1]!;
      expect(row.slice(0, 5)).toEqual(cells.map((cell, c) => (c === 2 && cell.startsWith('+') ? `'${cell}` : cell)));
      expect(row[5]).toBe(String(i + 1));
    });
    const result = (i: number) => rows[i + 1]!.slice(5);
    expect(result(0).slice(3, 5)).toEqual([oracle.answer(numbers[0]!), 'cache']);
    expect(result(1).slice(3, 5)).toEqual([oracle.answer(numbers[1]!), 'cache']);
    expect(result(2).slice(3, 5)).toEqual([oracle.answer(numbers[2]!), 'api']);
    expect(result(3)[5]).toBe('not_a_phone_number');
    expect(result(4).slice(4)).toEqual(['api', '', 'true']);
    expect(result(5).slice(3, 5)).toEqual([oracle.answer(numbers[3]!), 'api']);
    expect(result(6)[2]).toBe(numbers[4]);
    expect(result(7)[5]).toBe('malformed_row');
  });

  test('XLSX: every input column in order, then the result columns; cells kept exactly as read', async () => {
    const dir = await tempDir();
    const output = join(dir, 'out.xlsx');
    const { run, numbers } = await checkedRun(dir, ['-o', output]);
    expect(run.code).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(output);
    const sheet = workbook.worksheets[0]!;
    const rows: string[][] = [];
    // Array.from, not map: a row's values skip the cells exceljs left empty.
    sheet.eachRow((row) => rows.push(Array.from((row.values as unknown[]).slice(1), (value) => String(value ?? ''))));
    expect(rows[0]).toEqual([...INPUT_HEADER, ...RESULT_COLUMNS]);
    expect(rows).toHaveLength(9);
    expectedSources(numbers).forEach((cells, i) => {
      expect(rows[i + 1]!.slice(0, 5)).toEqual(cells);
      expect(rows[i + 1]![5]).toBe(String(i + 1));
    });
    expect(rows[5]![9]).toBe('api');
    expect(rows[8]![10]).toBe('malformed_row');
  });

  test('JSONL: the input row as a `fields` object by column name, beside the result fields', async () => {
    const dir = await tempDir();
    const output = join(dir, 'out.jsonl');
    const { run, numbers } = await checkedRun(dir, ['-o', output]);
    expect(run.code).toBe(0);
    const lines = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(8);
    expectedSources(numbers).forEach((cells, i) => {
      expect(lines[i].fields).toEqual(Object.fromEntries(INPUT_HEADER.map((name, c) => [name, cells[c]])));
    });
    expect(lines[0]).toMatchObject({ row: 1, source: 'cache', duplicate: false });
    expect(lines[4]).toMatchObject({ row: 5, source: 'api', duplicate: true });
  });

  test('--compact gives the result columns alone, exactly as the last columns of the full output', async () => {
    const dir = await tempDir();
    const { run } = await checkedRun(dir, ['-o', join(dir, 'full.csv')]);
    expect(run.code).toBe(0);
    const compact = await runCli(
      [
        'check',
        join(dir, 'contacts.csv'),
        '--compact',
        '-o',
        join(dir, 'compact.csv'),
        '--country',
        'CH',
        '--cache',
        join(dir, 'cache'),
      ],
      envFor(await start()),
    );
    expect(compact.code).toBe(0);
    const full = await readCsv(await readFile(join(dir, 'full.csv'), 'utf8'));
    const text = await readFile(join(dir, 'compact.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe(RESULT_COLUMNS.join(','));
    const rows = await readCsv(text);
    // The second run answers every row from the cache; the columns and cells are otherwise the same.
    expect(rows.map((row) => row.filter((_, c) => c !== 4))).toEqual(
      full.map((row) => row.slice(5).filter((_, c) => c !== 4)),
    );
  });

  test('collisions: an input column named like a result column gets _input; the result columns keep their names', async () => {
    const s = await start();
    const dir = await tempDir();
    const input = join(dir, 'collide.csv');
    const [number] = swissNumbers(1);
    await writeFile(input, `Number,Reason,row,row_input,Source\n${number},vip,7,x,web\n`);
    const output = join(dir, 'out.csv');
    const run = await runCli(
      ['check', input, '-o', output, '--cache', join(dir, 'cache'), '--poll-interval', '20'],
      envFor(s),
    );
    expect(run.code).toBe(0);
    const rows = await readCsv(await readFile(output, 'utf8'));
    expect(rows[0]).toEqual([
      'Number_input',
      'Reason_input',
      'row_input_input',
      'row_input',
      'Source_input',
      ...RESULT_COLUMNS,
    ]);
    expect(rows[1]!.slice(0, 7)).toEqual([`'${number}`, 'vip', '7', 'x', 'web', '1', `'${number}`]);
    const jsonl = join(dir, 'out.jsonl');
    expect(
      (await runCli(['check', input, '-o', jsonl, '--cache', join(dir, 'cache'), '--poll-interval', '20'], envFor(s)))
        .code,
    ).toBe(0);
    const line = JSON.parse(await readFile(jsonl, 'utf8'));
    // JSONL keeps the input's names: they live in their own object.
    expect(line.fields).toEqual({ Number: number, Reason: 'vip', row: '7', row_input: 'x', Source: 'web' });
    expect(line.row).toBe(1);
  });

  test("XLSX in: the sheet row's cells carried, a numeric cell as its text", async () => {
    const s = await start();
    const dir = await tempDir();
    const [a, b] = swissNumbers(2);
    const input = join(dir, 'contacts.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Contacts');
    sheet.addRow(['Name', 'Mobile', 'Score', 'Note']);
    sheet.addRow(['Ann', a, 42, 'comma, "quote"']);
    sheet.addRow(['Ben', b]);
    await workbook.xlsx.writeFile(input);
    const output = join(dir, 'out.csv');
    const run = await runCli(
      ['check', input, '-o', output, '--cache', join(dir, 'cache'), '--poll-interval', '20'],
      envFor(s),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Phone column: "Mobile" (detected); no country column\n');
    const rows = await readCsv(await readFile(output, 'utf8'));
    expect(rows[0]).toEqual(['Name', 'Mobile', 'Score', 'Note', ...RESULT_COLUMNS]);
    expect(rows[1]!.slice(0, 6)).toEqual(['Ann', `'${a}`, '42', 'comma, "quote"', '1', `'${a}`]);
    expect(rows[2]!.slice(0, 6)).toEqual(['Ben', `'${b}`, '', '', '2', `'${b}`]);
  });

  test("a text list carries nothing more than its phone cell: today's columns", async () => {
    const s = await start();
    const dir = await tempDir();
    const input = join(dir, 'list.txt');
    await writeFile(input, `${swissNumbers(3).join('\n')}\n`);
    const run = await runCli(['check', input, '--cache', join(dir, 'cache'), '--poll-interval', '20'], envFor(s));
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(RESULT_COLUMNS.join(','));
  });
});

describe('wa-check check: the columns chosen', () => {
  test('one line on stderr names the detected phone and country columns; stdout holds the results only', async () => {
    const s = await start();
    const dir = await tempDir();
    const { input } = await contactList(dir);
    const run = await runCli(
      ['check', input, '--country', 'CH', '--cache', join(dir, 'cache'), '--poll-interval', '20'],
      envFor(s),
    );
    expect(run.code).toBe(0);
    const line = 'Phone column: "Mobile" (detected); country column: "Country" (detected)';
    expect(run.stderr.split('\n')).toContain(line);
    expect(run.stderr.split(line)).toHaveLength(2); // once
    expect(run.stdout).not.toContain('Phone column');
    expect(run.stdout.split('\n')[0]).toBe([...INPUT_HEADER, ...RESULT_COLUMNS].join(','));
  });

  test('named columns say so; a file without a header names positions; no country column is said too', async () => {
    const s = await start();
    const dir = await tempDir();
    const { input } = await contactList(dir);
    const named = await runCli(
      [
        'check',
        input,
        '--column',
        '3',
        '--country-column',
        'Country',
        '--cache',
        join(dir, 'cache'),
        '--poll-interval',
        '20',
      ],
      envFor(s),
    );
    expect(named.code).toBe(0);
    expect(named.stderr).toContain('Phone column: "Mobile" (named); country column: "Country" (named)\n');
    const bare = join(dir, 'bare.csv');
    await writeFile(
      bare,
      `${swissNumbers(3, 10)
        .map((n, i) => `p${i},${n}`)
        .join('\n')}\n`,
    );
    const headerless = await runCli(['check', bare, '--cache', join(dir, 'cache'), '--poll-interval', '20'], envFor(s));
    expect(headerless.code).toBe(0);
    expect(headerless.stderr).toContain('Phone column: column 2 (detected); no country column\n');
    expect(headerless.stdout.split('\n')[0]).toBe(['column1', 'column2', ...RESULT_COLUMNS].join(','));
  });
});
