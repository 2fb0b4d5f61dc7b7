import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #13: carrying every input column must not hold them: rows waiting for the provider are
// spooled with their cells, and memory stays what it is without them. Runs dist/: `npm run build` first.
const tempDir = useTempDirs();
const INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const ROWS = 1_000_000;
const EXTRA_COLUMNS = 10;
const HEAP_MB = 160;

/** A 1M-row CSV, 12 columns (~250 MB): a name, a phone number, then ten columns of text. */
async function wideCsv(path: string): Promise<void> {
  const file = await open(path, 'w');
  const extra = Array.from({ length: EXTRA_COLUMNS }, (_, c) => `field_${c}`);
  let chunk = `name,phone,${extra.join(',')}\n`;
  for (let i = 0; i < ROWS; i++) {
    chunk += `contact ${i},+41791${String(i).padStart(6, '0')}`;
    for (let c = 0; c < EXTRA_COLUMNS; c++) chunk += `,value ${c} of row ${i}`;
    chunk += '\n';
    if (chunk.length > 1 << 20) {
      await file.write(chunk);
      chunk = '';
    }
  }
  await file.write(chunk);
  await file.close();
}

/** A dry run in its own process (every row is spooled, then written from the spool): rows out and peak RSS. */
async function dryRun(input: string, output: string, compact: boolean) {
  const script = `
    const { checkNumbers, writeResults } = await import(${JSON.stringify(INDEX)});
    const job = checkNumbers(${JSON.stringify(input)}, {
      dryRun: true, compact: ${compact}, cacheDir: ${JSON.stringify(`${output}.cache`)},
    });
    const rows = await writeResults(job, ${JSON.stringify(output)});
    console.log(JSON.stringify({ rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  // A file, not -e: the input worker thread would inherit --input-type and refuse to start.
  const scriptPath = `${output}.mjs`;
  await writeFile(scriptPath, script);
  // A heap far smaller than the input's text: a job that held the cells would run out of it.
  // (Without a cap, V8 lets a heap with more garbage grow further before collecting it.)
  const { stdout } = await promisify(execFile)(process.execPath, [`--max-old-space-size=${HEAP_MB}`, scriptPath], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as { rows: number; maxRssMb: number };
}

/** The output's header, and its lines and line count, reading it as a stream. */
async function outputShape(path: string): Promise<{ header: string; lines: number; last: string }> {
  let lines = 0;
  let header = '';
  let rest = '';
  let last = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    if (lines === 0) header = parts[0]!;
    lines += parts.length;
    if (parts.length > 0) last = parts[parts.length - 1]!;
  }
  return { header, lines, last };
}

test('checkNumbers() - a wide 1M-row CSV carries every column in bounded memory: the heap a compact run fits in', async () => {
  const dir = await tempDir();
  const input = join(dir, 'wide.csv');
  await wideCsv(input);
  const compact = await dryRun(input, join(dir, 'compact.csv'), true);
  const carried = await dryRun(input, join(dir, 'carried.csv'), false);
  expect(compact.rows).toBe(ROWS);
  expect(carried.rows).toBe(ROWS);
  const shape = await outputShape(join(dir, 'carried.csv'));
  expect(shape.lines).toBe(ROWS + 1);
  expect(shape.header.split(',')).toHaveLength(2 + EXTRA_COLUMNS + 7);
  const i = ROWS - 1;
  expect(shape.last.startsWith(`contact ${i},'+41791${String(i).padStart(6, '0')},value 0 of row ${i},`)).toBe(true);
  // Held in memory, the cells would be ~250 MB of text more: as strings they would overflow the
  // heap above; as the bytes they cross from the input worker in (outside the capped heap), they
  // would take the run past 500 MB. What carrying costs is the batches in flight, the garbage they
  // leave, and the input worker's young generation filling up to its 128 MB (ingest-pool.ts) with
  // the cells' strings: measured carried 342-398 MB against compact 173-230 MB (the job's thread
  // heap 9-41 MB and external memory 27-100 MB throughout).
  expect(carried.maxRssMb).toBeLessThan(compact.maxRssMb + 250);
  expect(carried.maxRssMb).toBeLessThan(500);
}, 300_000);
