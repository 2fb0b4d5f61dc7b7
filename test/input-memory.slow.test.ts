import { expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useTempDirs } from './helpers/temp-dir.js';

// #14 item 2: a 200 MB file with no newline was one malformed row at a 1.27 GB peak.
// Runs dist/: `npm run build` first.
const tempDir = useTempDirs();
const READ_INPUT = fileURLToPath(new URL('../dist/input/read-input.js', import.meta.url));

test('readInput() - a 200 MB file without a newline: one malformed row, read in bounded memory', async () => {
  const path = join(await tempDir(), 'one-line.csv');
  const file = await open(path, 'w');
  const block = Buffer.alloc(1024 * 1024, '9');
  for (let i = 0; i < 200; i++) await file.write(block);
  await file.close();
  const script = `
    const { readInput } = await import(${JSON.stringify(READ_INPUT)});
    const rows = [];
    for await (const batch of readInput(${JSON.stringify(path)})) rows.push(...batch.map((row) => row.malformed));
    console.log(JSON.stringify({ rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  const { rows, maxRssMb } = JSON.parse(stdout) as { rows: string[]; maxRssMb: number };
  expect(rows).toEqual(['row too long']);
  expect(maxRssMb).toBeLessThan(300);
}, 60_000);
