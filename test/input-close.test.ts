import { describe, expect, test } from 'vitest';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ErrorCodes } from '../src/errors.js';
import { readInput, type InputSource, type ReadInputOptions } from '../src/input/read-input.js';
import { openPaths } from './helpers/open-paths.js';
import { useTempDirs } from './helpers/temp-dir.js';

// #12 item 4: readInput never closed its source when the consumer stopped early or failed.
const tempDir = useTempDirs();

/** Reads the first batch of rows and stops. */
async function firstBatch(source: InputSource, options: ReadInputOptions = {}): Promise<number> {
  for await (const batch of readInput(source, options)) return batch.length;
  throw new Error('no rows');
}

async function bigText(): Promise<string> {
  const path = join(await tempDir(), 'big.txt');
  const lines = Array.from({ length: 150_000 }, (_, i) => `+4179${String(1_000_000 + i)}`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

async function bigWorkbook(): Promise<string> {
  const path = join(await tempDir(), 'big.xlsx');
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path });
  const sheet = book.addWorksheet('A');
  for (let i = 0; i < 5000; i++) sheet.addRow([`+4179${String(1_000_000 + i)}`]).commit();
  sheet.commit();
  await book.commit();
  return path;
}

/** An endless list that records whether its `finally` ran. */
function endless() {
  const state = { closed: false };
  function* sync() {
    try {
      for (let i = 0; ; i++) yield `+4179${String(1_000_000 + (i % 1_000_000))}`;
    } finally {
      state.closed = true;
    }
  }
  async function* async() {
    yield* sync();
  }
  function* bytes() {
    try {
      for (;;) yield Buffer.from('+41798284651\n'.repeat(1000));
    } finally {
      state.closed = true;
    }
  }
  return { state, sync, async, bytes };
}

describe('readInput() - the source is closed when the consumer stops early', () => {
  test('a path: its file is closed by the time break returns (TXT and XLSX)', async () => {
    for (const path of [await bigText(), await bigWorkbook()]) {
      expect(await firstBatch(path)).toBeGreaterThan(0);
      expect(openPaths()).not.toContain(path);
    }
  });

  test("a caller's Readable is destroyed (text and workbook bytes)", async () => {
    for (const path of [await bigText(), await bigWorkbook()]) {
      const stream = createReadStream(path);
      expect(await firstBatch(stream)).toBeGreaterThan(0);
      expect(stream.destroyed).toBe(true);
    }
  });

  test("a caller's generator, sync or async, runs its finally; so does one of bytes", async () => {
    for (const make of ['sync', 'async', 'bytes'] as const) {
      const list = endless();
      const source = make === 'bytes' ? Readable.from(list.bytes()) : list[make]();
      expect(await firstBatch(source)).toBeGreaterThan(0);
      expect({ make, closed: list.state.closed }).toEqual({ make, closed: true });
    }
  });
});

describe('readInput() - the source is closed when reading fails', () => {
  test('a Readable whose named column is not there: WA_INVALID_OPTION, and the stream destroyed', async () => {
    const stream = createReadStream(await bigText());
    await expect(firstBatch(stream, { column: 'Mobile' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
    expect(stream.destroyed).toBe(true);
  });

  test('a consumer that throws: the generator runs its finally', async () => {
    const list = endless();
    const consume = async () => {
      for await (const _ of readInput(list.async())) throw new Error('the job failed');
    };
    await expect(consume()).rejects.toThrow('the job failed');
    expect(list.state.closed).toBe(true);
  });

  test('a Readable of bytes that is not text: refused, and destroyed', async () => {
    const stream = Readable.from([Buffer.from('%PDF-1.4\n'), Buffer.alloc(100_000)], { objectMode: false });
    await expect(firstBatch(stream)).rejects.toMatchObject({ code: ErrorCodes.INPUT_UNREADABLE });
    expect(stream.destroyed).toBe(true);
  });
});
