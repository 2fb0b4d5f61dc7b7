import { expect, test } from 'vitest';
import { join } from 'node:path';
import { readSpool, readSpoolKeys, SpoolWriter } from '../src/job/spool.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

test('spool: rows come back in order, inputs exactly (tabs, newlines, backslashes), keys and reason codes in step', async () => {
  const path = join(await tempDir(), 'rows.spool');
  const spool = new SpoolWriter(path);
  const inputs = ['+41 79 828 46 51', 'a\tb', 'line\nbreak\r\n', 'back\\slash\\n', '', 'ünïcødé ☎'];
  const expected: Array<{ key: number; reason: number; input: string }> = [];
  // More rows than one flush buffer holds, written in uneven batches.
  for (let i = 0; i < 10_000; i++) {
    const input = inputs[i % inputs.length]!;
    if (i % 7 === 0) {
      spool.addInvalid(1 + (i % 5), input);
      expected.push({ key: 0, reason: 1 + (i % 5), input });
    } else {
      spool.addNumber(41_790_000_000 + i, input);
      expected.push({ key: 41_790_000_000 + i, reason: 0, input });
    }
    if (i % 3000 === 2999) await spool.flush();
  }
  await spool.close();

  const rows: Array<{ key: number; reason: number; input: string }> = [];
  for await (const { keys, reasons, inputs: batchInputs } of readSpool(path)) {
    expect(keys).toHaveLength(batchInputs.length);
    batchInputs.forEach((input, i) => {
      rows.push({ key: keys[i]!, reason: reasons[i]!, input });
    });
  }
  expect(rows).toEqual(expected);

  const keys: number[] = [];
  for await (const chunk of readSpoolKeys(path)) keys.push(...chunk);
  expect(keys).toEqual(expected.map((row) => row.key));
});

test('spool: an empty spool reads back as nothing', async () => {
  const path = join(await tempDir(), 'rows.spool');
  await new SpoolWriter(path).close();
  const batches = [];
  for await (const batch of readSpool(path)) batches.push(batch);
  for await (const chunk of readSpoolKeys(path)) batches.push(chunk);
  expect(batches).toEqual([]);
});
