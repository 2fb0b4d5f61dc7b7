import { describe, expect, test } from 'vitest';
import { State } from '../src/job/answer-state.js';
import { INVALID_ROW, ResultBlock } from '../src/job/result-block.js';
import { TextColumn, textColumnData } from '../src/job/text-column.js';
import { encodeRecord } from '../src/input/source-record.js';
import { csvBytes } from '../src/output/csv-format.js';

// The input worker sends a batch's phone cells and source records as UTF-8 bytes (text-column.ts);
// the CSV writer copies them as they are. Whatever the form, the same bytes must come out.

const INPUTS = [
  '+41 79 828 46 51',
  '079 828 46 51',
  '=cmd|x',
  '+',
  '-5',
  '@x',
  '\tx',
  '\r',
  'a,b',
  'say "hi"',
  'line\nbreak',
  '',
  'Zürich',
  '東京 03-1234-5678',
  '\ud83d\udcde 079',
  '+41 79 828 46 51\u00a0',
];

const RECORDS = [
  'Ann,+41 79 828 46 51,CH',
  'Zoë 😀,079 828 46 51,東京',
  '=cmd(),+41,',
  ',,',
  '',
  'one',
  'too,many,cells,here',
  '"Said ""hi""",+41,"Genève, CH"',
  '"multi\nline",x,y',
  'tab\tin,cell,-1',
  '@home,+x,+y',
  encodeRecord(['a,b', 'c"d', '\r']),
];

function blockOf(inputs: TextColumn, sources: TextColumn, rows: number): ResultBlock {
  const states = new Uint8Array(rows);
  const keys = new Float64Array(rows);
  const reasonCodes = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    if (i % 5 === 4) {
      states[i] = INVALID_ROW;
      reasonCodes[i] = 1 + (i % 3);
    } else {
      states[i] = i % 2 ? State.CACHE_YES : State.CACHE_NO;
      keys[i] = 41_798_284_650 + i;
    }
  }
  return new ResultBlock(rows, {
    rows: Uint32Array.from({ length: rows }, (_, i) => i + 1),
    keys,
    states,
    duplicates: Uint8Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    inputColumn: inputs,
    reasonCodes,
    sources,
    sourceColumns: ['name', 'phone', 'city'],
  });
}

describe('TextColumn', () => {
  test('texts sent as bytes come back as they were, each row apart, and head() keeps the first ones', () => {
    const data = textColumnData([...INPUTS, ...RECORDS]);
    expect(Array.isArray(data)).toBe(false);
    const column = TextColumn.over(data);
    expect(column.bytes).toBeDefined();
    expect(column.length).toBe(INPUTS.length + RECORDS.length);
    expect(column.strings()).toEqual([...INPUTS, ...RECORDS]);
    expect(column.head(3).strings()).toEqual(INPUTS.slice(0, 3));
    // ASCII only: the bytes are the characters
    const ascii = TextColumn.over(textColumnData(['ab', '', 'cde']));
    expect([ascii.start(2), ascii.end(2), ascii.bytes!.toString('latin1')]).toEqual([2, 5, 'abcde']);
  });

  test('a text without a UTF-8 form (a lone surrogate) keeps its batch as strings: nothing is changed on the way', () => {
    const texts = ['ok', 'lone \ud800 high', 'lone \udc00 low'];
    const data = textColumnData(texts);
    expect(data).toBe(texts);
    expect(TextColumn.over(data).strings()).toEqual(texts);
    expect(TextColumn.over(data).bytes).toBeUndefined();
  });

  test('bytes that can be transferred: a column of its own, not a slice of a shared pool', () => {
    const data = textColumnData(['a']);
    if (Array.isArray(data)) throw new Error('expected bytes');
    expect(data.bytes.byteOffset).toBe(0);
    expect(data.bytes.buffer.byteLength).toBe(data.bytes.byteLength);
  });
});

describe('csvBytes() - cells as bytes and as strings give the same bytes', () => {
  const rows = INPUTS.length * RECORDS.length;
  const inputs = Array.from({ length: rows }, (_, i) => INPUTS[i % INPUTS.length]!);
  const records = Array.from({ length: rows }, (_, i) => RECORDS[Math.floor(i / INPUTS.length)]!);
  const asBytes = blockOf(TextColumn.over(textColumnData(inputs)), TextColumn.over(textColumnData(records)), rows);
  const asStrings = blockOf(TextColumn.over(inputs), TextColumn.over(records), rows);

  test.each([
    ['with the formula guard', undefined],
    ['without it', { formulaGuard: false }],
  ])('%s', (_, options) => {
    expect(asBytes.sources!.bytes).toBeDefined();
    expect(asStrings.sources!.bytes).toBeUndefined();
    const fromStrings = csvBytes(asStrings, options, 3);
    expect(csvBytes(asBytes, options, 3).equals(fromStrings)).toBe(true);
    // and what both give is the cells guarded, quoted and fitted to the header's width
    const text = fromStrings.toString('utf8');
    expect(text).toContain(options ? '=cmd(),+41,,' : "'=cmd(),'+41,,");
    expect(text).toContain(options ? '"Said ""hi""",+41,"Genève, CH",' : `"Said ""hi""",'+41,"Genève, CH",`);
    expect(text).toContain('too,many,"cells,here",');
    expect(text).toContain('one,,,');
  });
});

/**
 * A block as the input worker sends a CSV file's rows: each record a line of one text's bytes and
 * each phone cell a span of them (normalize-spans.ts), the two columns over the same memory.
 * `cells` give each phone cell's place in its line in UTF-16 units; a negative place puts it
 * across the line break before its line instead (never in the first line).
 */
function linesBlock(lines: string[], cells: Array<[number, number]>, rows: Uint32Array): [ResultBlock, ResultBlock] {
  const text = lines.join('\n');
  const byteAt = (unit: number) => Buffer.byteLength(text.slice(0, unit), 'utf8');
  const count = lines.length;
  const lineStarts = new Uint32Array(count);
  const lineEnds = new Uint32Array(count);
  const cellStarts = new Uint32Array(count);
  const cellEnds = new Uint32Array(count);
  const inputs: string[] = [];
  let unit = 0;
  for (let i = 0; i < count; i++) {
    const [from, to] = cells[i]!;
    // a cell outside its line: the end of the line before, its line break and this line's first character
    const cellFrom = from < 0 ? unit - 2 : unit + from;
    const cellTo = from < 0 ? unit + 1 : unit + to;
    lineStarts[i] = byteAt(unit);
    lineEnds[i] = byteAt(unit + lines[i]!.length);
    cellStarts[i] = byteAt(cellFrom);
    cellEnds[i] = byteAt(cellTo);
    inputs.push(text.slice(cellFrom, cellTo));
    unit += lines[i]!.length + 1;
  }
  const memory = new Uint8Array(Buffer.from(text, 'utf8'));
  const asBytes = TextColumn.over({ bytes: memory, starts: cellStarts, ends: cellEnds });
  const linesAsBytes = TextColumn.over({ bytes: memory, starts: lineStarts, ends: lineEnds });
  const block = (input: TextColumn, source: TextColumn) => {
    const made = blockOf(input, source, count);
    made.rows.set(rows);
    return made;
  };
  return [block(asBytes, linesAsBytes), block(TextColumn.over(inputs), TextColumn.over(lines))];
}

describe('csvBytes() - lines and their phone cells as spans of the same bytes (a CSV file read in the worker)', () => {
  // Every input as the second cell of a line, in records of every shape; and each line once
  // more with its phone cell outside it.
  const lines: string[] = [];
  const cells: Array<[number, number]> = [];
  for (const record of RECORDS)
    for (const input of INPUTS) {
      const [first, , ...rest] = record.split(',');
      const prefix = `${first},`;
      lines.push([first, input, ...rest].join(','));
      cells.push([prefix.length, prefix.length + input.length]);
      lines.push(`${prefix}${input},x`);
      cells.push([-1, -1]);
    }
  const rows = Uint32Array.from({ length: lines.length }, (_, i) => i + 1);

  test.each([
    ['with the formula guard', undefined],
    ['without it', { formulaGuard: false }],
  ])('%s: the same bytes as from strings', (_, options) => {
    const [spans, strings] = linesBlock(lines, cells, rows);
    expect(spans.sources!.starts).toBeDefined();
    const expected = csvBytes(strings, options, 3);
    expect(csvBytes(spans, options, 3).toString('utf8')).toBe(expected.toString('utf8'));
    expect(csvBytes(spans, options, 3).equals(expected)).toBe(true);
    // a line copied as it was, its cells guarded, and its phone cell as the input
    expect(expected.toString('utf8')).toContain(options ? 'Ann,=cmd|x,CH,' : "Ann,'=cmd|x,CH,");
  });

  test('row numbers that follow each other, across every added digit, and those that do not', () => {
    const numbers = [1, 2, 9, 10, 11, 99, 100, 101, 999, 1000, 5, 6, 6, 7, 9_999_999, 10_000_000, 99_999_999];
    numbers.push(100_000_000, 100_000_001, 199_999_999, 200_000_000, 4_294_967_294, 4_294_967_295, 0, 1, 3);
    const rowLines = numbers.map((_, i) => `n${i},+41 79 828 46 ${10 + i},CH`);
    const rowCells = rowLines.map((line): [number, number] => [line.indexOf(',') + 1, line.lastIndexOf(',')]);
    const [spans, strings] = linesBlock(rowLines, rowCells, Uint32Array.from(numbers));
    const written = csvBytes(spans, undefined, 3).toString('latin1');
    expect(written).toBe(csvBytes(strings, undefined, 3).toString('latin1'));
    expect(written.split('\n').map((line) => line.split(',')[3])).toEqual([...numbers.map(String), undefined]);
  });
});
