import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import type { CheckResult } from '../src/job/check-numbers.js';
import { formatOfPath, writeResults } from '../src/output/write-results.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #13: writeResults takes what users have, and an error leaves no half file.

const tempDir = useTempDirs();

const result = (row: number, whatsapp: 'yes' | 'no' | null): CheckResult => ({
  row,
  input: `+4179100000${row}`,
  number: `+4179100000${row}`,
  whatsapp,
  source: whatsapp ? 'api' : null,
  reason: whatsapp ? null : 'provider_gave_no_answer',
  duplicate: false,
});
const results = [result(1, 'yes'), result(2, 'no'), result(3, null)];

async function* oneByOne(items: readonly CheckResult[], failAfter?: number): AsyncGenerator<CheckResult> {
  for (const [index, item] of items.entries()) {
    if (index === failAfter) throw new Error('the source broke');
    yield item;
  }
}

test('writeResults() - an async iterable of single results, the format from the path', async () => {
  const dir = await tempDir();
  expect(await writeResults(oneByOne(results), join(dir, 'out.csv'))).toBe(3);
  expect((await readFile(join(dir, 'out.csv'), 'utf8')).trim().split('\n')).toEqual([
    'row,input,number,whatsapp,source,reason,duplicate',
    "1,'+41791000001,+41791000001,yes,api,,false",
    "2,'+41791000002,+41791000002,no,api,,false",
    "3,'+41791000003,+41791000003,,,provider_gave_no_answer,false",
  ]);
  // the call of the issue, format given
  expect(await writeResults(oneByOne(results), 'csv', join(dir, 'named.csv'))).toBe(3);
  expect(await readFile(join(dir, 'named.csv'), 'utf8')).toBe(await readFile(join(dir, 'out.csv'), 'utf8'));
});

test('writeResults() - a plain array, and formatOfPath() passed straight in', async () => {
  const dir = await tempDir();
  const path = join(dir, 'out.jsonl');
  expect(await writeResults(results, formatOfPath(path), path)).toBe(3);
  const lines = (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).whatsapp);
  expect(lines).toEqual([true, false, null]);
});

test('writeResults() - a path without a known extension and no format is WA_INVALID_OPTION, no file made', async () => {
  const dir = await tempDir();
  await expect(writeResults(results, join(dir, 'out.txt'))).rejects.toMatchObject({ code: 'WA_INVALID_OPTION' });
  expect(await readdir(dir)).toEqual([]);
});

test('writeResults() - a source that fails leaves the old file as it was, and no temporary file', async () => {
  const dir = await tempDir();
  for (const name of ['out.csv', 'out.jsonl', 'out.xlsx']) {
    const path = join(dir, name);
    await writeFile(path, 'the old results');
    await expect(writeResults(oneByOne(results, 2), path)).rejects.toThrow('the source broke');
    expect(await readFile(path, 'utf8')).toBe('the old results');
  }
  expect((await readdir(dir)).sort()).toEqual(['out.csv', 'out.jsonl', 'out.xlsx']);
});

test('writeResults() - a stream that fails rejects the call, it does not crash the process', async () => {
  const broken = new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  await expect(writeResults(results, 'csv', broken)).rejects.toMatchObject({ code: 'EPIPE' });
});

test('writeResults() - to a stream, XLSX leaves the caller’s stream open', async () => {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  expect(await writeResults(results, 'xlsx', sink)).toBe(3);
  expect(sink.writableEnded).toBe(false);
  expect(Buffer.concat(chunks).subarray(0, 2).toString()).toBe('PK');
});

test('README: the library snippets type-check under strict TypeScript', async () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(snippets.length).toBeGreaterThan(0);
  expect(snippets.join('\n')).toContain('writeResults(');
  const dir = await mkdtemp(join(tmpdir(), 'wa-check-readme-'));
  try {
    const files = snippets.map((_, index) => `snippet-${index}.ts`);
    await Promise.all(snippets.map((code, index) => writeFile(join(dir, files[index]!), code)));
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }');
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          paths: { 'wa-bulk-checker': [join(root, 'src/index.ts')] },
        },
        files,
      }),
    );
    const tsc = join(root, 'node_modules/.bin/tsc');
    const outcome = await promisify(execFile)(tsc, ['-p', dir]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(outcome).toBe('');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
