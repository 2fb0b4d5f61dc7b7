import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import type { ColumnsChosen } from '../src/input/read-input.js';
import { type CheckResult, checkNumbers } from '../src/job/check-numbers.js';
import type { CheckOptions } from '../src/job/options.js';
import { writeResults } from '../src/output/write-results.js';
import { MemoryResultCache } from '../src/store/memory-result-cache.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #13 from the library: extra fields of records and the cells of file rows come back on each result.
const { start } = useFastSimulators();
const tempDir = useTempDirs();

async function results(input: Parameters<typeof checkNumbers>[0], options: CheckOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for await (const result of checkNumbers(input, options)) out.push(result);
  return out;
}

describe('checkNumbers() - carried fields', () => {
  test('records: every field of the first record comes back as `fields`, as text, for answered and invalid rows', async () => {
    const s = await start();
    const [a, b] = swissNumbers(2);
    const records = [
      { number: a!, country: 'CH', crmId: 'crm-1', score: 7 },
      { number: 'nope', country: 'CH', crmId: 'crm-2', score: null },
      { number: a!, crmId: 'crm-3', score: 9, ignored: 'x' },
      { number: b!, country: 'CH', crmId: 'crm-4,"quoted"', score: 1 },
    ];
    const out = await results(records, { client: clientFor(s), cache: new MemoryResultCache() });
    expect(out.map((result) => result.fields)).toEqual([
      { number: a, country: 'CH', crmId: 'crm-1', score: '7' },
      { number: 'nope', country: 'CH', crmId: 'crm-2', score: '' },
      { number: a, country: '', crmId: 'crm-3', score: '9' },
      { number: b, country: 'CH', crmId: 'crm-4,"quoted"', score: '1' },
    ]);
    expect(out.map((result) => [result.source, result.reason, result.duplicate])).toEqual([
      ['api', null, false],
      [null, 'not_a_phone_number', false],
      ['api', null, true],
      ['api', null, false],
    ]);
  });

  test('records: `compact` leaves the fields out; plain strings have none to carry', async () => {
    const s = await start();
    const [a] = swissNumbers(1);
    const compact = await results([{ number: a!, crmId: 'crm-1' }], {
      client: clientFor(s),
      cache: new MemoryResultCache(),
      compact: true,
    });
    expect(compact[0]).not.toHaveProperty('fields');
    const strings = await results([a!], { client: clientFor(s), cache: new MemoryResultCache() });
    expect(strings[0]).not.toHaveProperty('fields');
  });

  test("a file: each row's cells by header name; onColumns names the chosen columns", async () => {
    const s = await start();
    const dir = await tempDir();
    const [a, b] = swissNumbers(2);
    const path = join(dir, 'contacts.csv');
    await writeFile(path, `Name;Mobile;Land\nAnn;${a};CH\n"Bo; Jr";${b}\n`);
    const seen: ColumnsChosen[] = [];
    const out = await results(path, {
      client: clientFor(s),
      cache: new MemoryResultCache(),
      onColumns: (columns) => seen.push(columns),
    });
    expect(out.map((result) => result.fields)).toEqual([
      { Name: 'Ann', Mobile: a, Land: 'CH' },
      { Name: 'Bo; Jr', Mobile: b, Land: '' },
    ]);
    expect(seen).toEqual([
      {
        hasHeader: true,
        phone: { position: 2, header: 'Mobile', how: 'detected' },
        country: { position: 3, header: 'Land', how: 'detected' },
      },
    ]);
  });

  test('a byte stream, order completion: spooled rows keep their cells, tabs and newlines included', async () => {
    const s = await start();
    const [a, b] = swissNumbers(2);
    const csv = `Phone,Note\n${a},"tab\there"\nbad,"two\nlines"\n${b},\\back\\slash\n`;
    const out = await results(Readable.from([Buffer.from(csv)]), {
      client: clientFor(s),
      cache: new MemoryResultCache(),
      order: 'completion',
    });
    const byRow = new Map(out.map((result) => [result.row, result.fields]));
    expect(byRow.get(1)).toEqual({ Phone: a, Note: 'tab\there' });
    expect(byRow.get(2)).toEqual({ Phone: 'bad', Note: 'two\nlines' });
    expect(byRow.get(3)).toEqual({ Phone: b, Note: '\\back\\slash' });
  });
});

describe('writeResults() - carried cells from blocks, byte for byte as from result objects', () => {
  test('accents, emoji, a lone surrogate, quotes, formulas, short, long and malformed rows', async () => {
    const dir = await tempDir();
    const [a, b, c] = swissNumbers(3);
    const path = join(dir, 'tricky.csv');
    await writeFile(
      path,
      [
        'Name,Phone,City,Note',
        `Zoë 😀,${a},東京,-5`,
        `"Said ""hi""",${b},"Genève, CH",@home`,
        `=cmd(),${c}`,
        `Long,${a},x,y,extra,more`,
        `Broken,"${b},never closed`,
        '',
      ].join('\n'),
    );
    const records = [{ number: a!, name: 'lone \ud800 surrogate', tag: '+tag' }];
    for (const input of [path, records]) {
      const fromBlocks = join(dir, 'blocks.csv');
      const fromObjects = join(dir, 'objects.csv');
      await writeResults(checkNumbers(input, { dryRun: true, cache: new MemoryResultCache() }), fromBlocks);
      const objects = await results(input, { dryRun: true, cache: new MemoryResultCache() });
      expect(objects[0]!.fields).toBeDefined();
      await writeResults(objects, fromObjects);
      expect(await readFile(fromBlocks, 'utf8')).toBe(await readFile(fromObjects, 'utf8'));
    }
    const text = await readFile(join(dir, 'blocks.csv'), 'utf8');
    expect(text.split('\n')[1]!.startsWith(`'${a},lone \ufffd surrogate,'+tag,`)).toBe(true);
  });
});

describe('writeResults() - carried fields of result objects', () => {
  test("CSV and XLSX take the columns from the first result's fields; JSONL writes them as they are", async () => {
    const dir = await tempDir();
    const base = { input: 'x', number: null, whatsapp: null, source: null, reason: 'empty', duplicate: false };
    const items: CheckResult[] = [
      { ...base, row: 1, fields: { id: '=1', reason: 'a,b' } },
      { ...base, row: 2, fields: { id: '2' } },
    ];
    await writeResults(items, join(dir, 'out.csv'));
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(
      'id,reason_input,row,input,number,whatsapp,source,reason,duplicate\n' +
        `'=1,"a,b",1,x,,,,empty,false\n` +
        '2,,2,x,,,,empty,false\n',
    );
    // A richer product's columns are result columns too: an input column named like one is renamed.
    const richer: CheckResult[] = [{ ...base, row: 1, fields: { business: 'b2b' }, extras: { business: 'yes' } }];
    await writeResults(richer, join(dir, 'richer.csv'));
    expect(await readFile(join(dir, 'richer.csv'), 'utf8')).toBe(
      'business_input,row,input,number,whatsapp,source,reason,duplicate,business\nb2b,1,x,,,,empty,false,yes\n',
    );
    await writeResults(items, join(dir, 'out.jsonl'));
    const lines = (await readFile(join(dir, 'out.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[1]!).fields).toEqual({ id: '2' });
  });
});
