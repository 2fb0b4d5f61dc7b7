import { describe, expect, test } from 'vitest';
import { Readable } from 'node:stream';
import { CsvParser } from '../src/input/csv-parser.js';
import { readInput, readInputBatches, type InputRow, type ReadInputOptions } from '../src/input/read-input.js';
import { NO_CELL } from '../src/input/row-spans.js';
import { type IngestBatch, type NormalizeOptions, normalizeRows, SHARE_ROWS } from '../src/job/normalize-rows.js';
import { roundRobin } from '../src/worker/round-robin.js';
import { normalizeSpans } from '../src/job/normalize-spans.js';
import { TextColumn, transferablesOf } from '../src/job/text-column.js';
import { CountryNames } from '../src/input/country-names.js';

// The input worker reads a CSV file's rows as positions (row-spans.ts) once its columns are
// chosen; readInput() without `rowSpans` reads them as strings. Both must make the same rows of
// any text: sloppy, quoted, cut anywhere between chunks.

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PHONES = [
  '+41 79 123 45 67',
  '079 123 45 67',
  '0041791234567',
  '222 010 2658',
  '201.555.2926',
  '(201) 555-2927',
  'tel:+14155550123',
  '',
  '   ',
  'n/a',
  '=HYPERLINK("x")',
  '+81 906 409 4694',
  '０７９ １２３ ４５ ６７',
  '+41\u00a079\u00a0123\u00a045\u00a068',
];
const COUNTRIES = ['CH', 'us', 'GB', 'Switzerland', 'Narnia', '', ' ', 'JPN', 'Côte d’Ivoire', 'mx'];
const NAMES = ['Ann', 'Zoë Müller', '"Smith, John"', 'a "quoted" word', '"two\nlines"', '', '😀 emoji', 'x'];

/** A CSV of `rows` rows with a header: mostly plain lines, with every sloppiness the parser knows. */
function sloppyCsv(seed: number, rows: number, delimiter: string): string {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const lines = [['name', 'phone', 'country', 'notes'].join(delimiter)];
  for (let i = 0; i < rows; i++) {
    const roll = next();
    if (roll < 0.02) lines.push('');
    else if (roll < 0.03)
      lines.push(pick(NAMES)); // too few fields
    else if (roll < 0.035) lines.push(`x${delimiter}"+41 79 unclosed${delimiter}CH`);
    else if (roll < 0.037) lines.push(`long${delimiter}${'7'.repeat(70_000)}${delimiter}CH`);
    else {
      const cells = [pick(NAMES), pick(PHONES), pick(COUNTRIES)];
      if (next() < 0.5) cells.push(`note ${i}`);
      if (next() < 0.1) cells.push('extra', 'cells');
      lines.push(cells.join(delimiter));
    }
  }
  return lines.join(next() < 0.5 ? '\r\n' : '\n') + (next() < 0.5 ? '\n' : '');
}

/** The text as a byte stream cut at random places (a chunk may end inside a character). */
function chunked(text: string, seed: number): Readable {
  const bytes = Buffer.from(text);
  const next = random(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(next() * 40_000);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

/** How many rows came as positions. */
async function rowsAsPositions(text: string, seed: number, options: ReadInputOptions): Promise<number> {
  let rows = 0;
  for await (const batch of readInputBatches(chunked(text, seed), options)) {
    if (!Array.isArray(batch)) rows += batch.spans.count - batch.parsed.length;
  }
  return rows;
}

async function readAll(text: string, seed: number, options: ReadInputOptions): Promise<InputRow[]> {
  const all: InputRow[] = [];
  for await (const batch of readInput(chunked(text, seed), options)) all.push(...batch);
  return all;
}

describe('rows as positions read as rows as strings do', () => {
  for (const [label, delimiter, carryColumns, positions] of [
    ['comma, carried', ',', true, true],
    ['comma, compact', ',', false, true],
    ['semicolon, carried (positions are not used)', ';', true, false],
    ['semicolon, compact', ';', false, true],
    ['tab, compact', '\t', false, true],
  ] as const) {
    test(`${label}: the same InputRows, six texts cut at random`, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        const text = sloppyCsv(seed, 6_000, delimiter);
        const options = { carryColumns, countryColumn: seed % 2 === 0 ? 'country' : undefined };
        const byStrings = await readAll(text, seed, options);
        const byPositions = await readAll(text, seed, { ...options, rowSpans: true });
        expect(byStrings.length).toBeGreaterThan(6_000 * 0.9);
        expect(byPositions).toEqual(byStrings);
        const asPositions = await rowsAsPositions(text, seed, { ...options, rowSpans: true });
        if (positions) expect(asPositions).toBeGreaterThan(byStrings.length * 0.4);
        else expect(asPositions).toBe(0);
      }
    });
  }

  test('a text list (one number per line): the same InputRows', async () => {
    const next = random(7);
    const lines = Array.from({ length: 20_000 }, () => PHONES[Math.floor(next() * PHONES.length)]!);
    const text = lines.join('\n');
    const options = { format: 'txt' } as const;
    const byPositions = await readAll(text, 7, { ...options, rowSpans: true });
    expect(byPositions).toEqual(await readAll(text, 7, options));
    expect(byPositions.map((row) => row.input)).toEqual(lines);
    expect(await rowsAsPositions(text, 7, { ...options, rowSpans: true })).toBeGreaterThan(14_000);
  });
});

describe('CsvParser.pushSpans()', () => {
  test('positions of the phone and country cells and of each line; other rows parsed, by index', () => {
    const parser = new CsvParser({ delimiter: ',' });
    parser.project([1, 2]);
    const text = 'a,+41791234567,CH\r\n\nb,"+41 79",US\nshort\nc,079 123 45 67,ch,more\nd,+1';
    const first = parser.pushSpans(text, false, true);
    const cell = (start: number, end: number) => (start === NO_CELL ? undefined : first.text.slice(start, end));
    const rows = Array.from({ length: first.count }, (_, i) => [
      cell(first.lineStarts[i]!, first.lineEnds[i]!),
      cell(first.phoneStarts[i]!, first.phoneEnds[i]!),
      cell(first.countryStarts[i]!, first.countryEnds[i]!),
    ]);
    expect(first.count).toBe(5);
    expect(first.parsedIndices).toEqual([2, 3]);
    expect(first.parsedRows).toEqual([['b', '+41 79', 'US'], ['short']]);
    expect(first.parsedRecords).toEqual(['b,+41 79,US', 'short']);
    expect(rows[0]).toEqual(['a,+41791234567,CH', '+41791234567', 'CH']);
    expect(rows[1]).toEqual(['', '', undefined]);
    expect(rows[4]).toEqual(['c,079 123 45 67,ch,more', '079 123 45 67', 'ch']);
    // The unended line waits for the next text.
    const last = parser.pushSpans('4155550123,US\n', true, true);
    expect(last.count).toBe(1);
    expect(last.text.slice(last.phoneStarts[0], last.phoneEnds[0])).toBe('+14155550123');
  });

  test('refuses to run before project(), and records of a line that is not comma-separated', () => {
    expect(() => new CsvParser({ delimiter: ',' }).pushSpans('a,b\n', true, false)).toThrow(/project/);
    const semicolons = new CsvParser({ delimiter: ';' });
    semicolons.project([0]);
    expect(() => semicolons.pushSpans('a;b\n', true, true)).toThrow(/comma/);
    expect(semicolons.pushSpans('a;b\n', true, false).count).toBe(1);
  });
});

describe('normalizeRows(): rows as positions give the same batches', () => {
  /** Every row's key, reason, phone text and source record, whatever form the batches hold them in. */
  async function normalized(text: string, seed: number, options: Partial<NormalizeOptions>) {
    const keys: number[] = [];
    const reasons: number[] = [];
    const inputs: string[] = [];
    const sources: string[] = [];
    let bytesBatches = 0;
    const all = { country: 'CH' as const, carryColumns: true, ...options };
    for await (const batch of normalizeRows(chunked(text, seed), all)) {
      keys.push(...batch.keys);
      reasons.push(...batch.reasons);
      inputs.push(...TextColumn.over(batch.inputs).strings());
      if (batch.sources) sources.push(...TextColumn.over(batch.sources).strings());
      if (!Array.isArray(batch.inputs)) bytesBatches++;
    }
    return { rows: { keys, reasons, inputs, sources }, bytesBatches };
  }

  test('ASCII, non-ASCII and quoted texts: keys, reasons, phone cells and records alike', async () => {
    for (let seed = 11; seed <= 14; seed++) {
      const text = sloppyCsv(seed, 8_000, ',');
      const byStrings = await normalized(text, seed, { rowSpans: false });
      const byPositions = await normalized(text, seed, {});
      expect(byPositions.rows).toEqual(byStrings.rows);
      expect(byStrings.rows.keys.filter((key) => key > 0).length).toBeGreaterThan(1_000);
    }
  });

  test('a plain file goes as bytes, non-ASCII and UTF-16 ones too', async () => {
    const next = random(21);
    const lines = ['name,phone,country'];
    for (let i = 0; i < 30_000; i++) {
      const name = i % 3 === 0 ? `Zoë ${i} 😀` : `contact ${i}`;
      lines.push(`${name},${PHONES[Math.floor(next() * 7)]},${i % 2 ? 'CH' : 'us'}`);
    }
    const text = `${lines.join('\n')}\n`;
    const byStrings = await normalized(text, 21, { rowSpans: false });
    const byPositions = await normalized(text, 21, {});
    expect(byPositions.rows).toEqual(byStrings.rows);
    expect(byPositions.rows.sources).toEqual(lines.slice(1));
    expect(byStrings.bytesBatches).toBe(0);
    expect(byPositions.bytesBatches).toBeGreaterThan(10);
    const compact = await normalized(text, 21, { carryColumns: false });
    expect(compact.rows.inputs).toEqual(byStrings.rows.inputs);
    expect(compact.rows.sources).toEqual([]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const fromUtf16 = { keys: [] as number[], inputs: [] as string[], sources: [] as string[] };
    for await (const batch of normalizeRows(Readable.from([utf16]), { country: 'CH', carryColumns: true })) {
      fromUtf16.keys.push(...batch.keys);
      fromUtf16.inputs.push(...TextColumn.over(batch.inputs).strings());
      fromUtf16.sources.push(...TextColumn.over(batch.sources!).strings());
    }
    expect(fromUtf16).toEqual({ keys: byStrings.rows.keys, inputs: byStrings.rows.inputs, sources: lines.slice(1) });
  });
});

describe('rows as positions: column layouts and batch bounds', () => {
  /** A CSV of `rows` rows in the given columns (the phone cells spelled in turn). */
  function layout(header: string[], rows: number, cell: (column: string, i: number) => string): string {
    const lines = [header.join(',')];
    for (let i = 0; i < rows; i++) lines.push(header.map((column) => cell(column, i)).join(','));
    return `${lines.join('\n')}\n`;
  }
  const cells = (column: string, i: number) =>
    column === 'phone'
      ? PHONES[i % 7]!
      : column === 'country'
        ? COUNTRIES[i % COUNTRIES.length]!
        : column === 'notes'
          ? `a wide note ${'x'.repeat(900)} ${i}`
          : `name ${i}`;

  for (const [label, header, options] of [
    ['country before phone', ['country', 'name', 'phone'], {}],
    ['no country column', ['name', 'phone', 'notes'], {}],
    ['columns chosen after the first 64 KB (wide rows)', ['name', 'notes', 'phone', 'country'], {}],
    ['the phone column named as the country column too', ['name', 'phone'], { countryColumn: 'phone' }],
  ] as const) {
    test(`${label}: the same rows, mostly as positions`, async () => {
      const text = layout([...header], 5_000, cells);
      for (const carryColumns of [true, false]) {
        const byStrings = await readAll(text, 31, { ...options, carryColumns });
        expect(await readAll(text, 31, { ...options, carryColumns, rowSpans: true })).toEqual(byStrings);
        expect(await rowsAsPositions(text, 31, { ...options, carryColumns, rowSpans: true })).toBeGreaterThan(2_000);
      }
    });
  }

  test('a text list whose one column is the country column too', async () => {
    const text = `${Array.from({ length: 20_000 }, (_, i) => PHONES[i % PHONES.length]).join('\n')}\n`;
    const options = { countryColumn: 1, format: 'txt' } as const;
    const byStrings = await readAll(text, 7, options);
    expect(byStrings.filter((row) => row.unknownCountry !== undefined).length).toBeGreaterThan(10_000);
    expect(await readAll(text, 7, { ...options, rowSpans: true })).toEqual(byStrings);
    expect(await rowsAsPositions(text, 7, { ...options, rowSpans: true })).toBeGreaterThan(14_000);
  });

  test('a piece of blank lines is cut into batches of at most 8,192 rows; no empty batch', async () => {
    const text = `phone\n+41791234567\n${'\n'.repeat(200_000)}+41791234568\n`;
    const counts: number[] = [];
    for await (const batch of readInputBatches(chunked(text, 3), { rowSpans: true })) {
      counts.push(Array.isArray(batch) ? batch.length : batch.spans.count);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200_002);
    expect(Math.max(...counts)).toBeLessThanOrEqual(8_192);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  test('compact: the phone cells are copied out of the lines; carried: both columns over one encoding', async () => {
    const text = layout(['name', 'phone', 'country'], 3_000, cells);
    for await (const batch of normalizeRows(chunked(text, 5), { country: 'CH', carryColumns: false })) {
      if (Array.isArray(batch.inputs)) continue;
      const column = TextColumn.over(batch.inputs);
      expect(batch.inputs.starts).toBeUndefined();
      expect(batch.inputs.bytes.length).toBe(column.byteLength(column.length));
    }
    let shared = 0;
    for await (const batch of normalizeRows(chunked(text, 5), { country: 'CH', carryColumns: true })) {
      if (Array.isArray(batch.inputs) || !batch.sources || Array.isArray(batch.sources)) continue;
      expect(batch.sources.bytes).toBe(batch.inputs.bytes);
      expect(transferablesOf(batch.inputs, batch.sources)).toHaveLength(5);
      shared++;
    }
    expect(shared).toBeGreaterThan(0);
  });

  test('a lone surrogate (UTF-8 has no form for it): its batch goes as strings, unchanged', () => {
    const parser = new CsvParser({ delimiter: ',' });
    parser.project([1]);
    const spans = parser.pushSpans('lone \ud800 here,+41791234567\nb,+41791234568\n', true, true);
    const batch = normalizeSpans({ spans, parsed: [], carry: true }, 'CH', new CountryNames());
    expect(batch.sources).toEqual(['lone \ud800 here,+41791234567', 'b,+41791234568']);
    expect(batch.inputs).toEqual(['+41791234567', '+41791234568']);
    expect([...batch.keys]).toEqual([41791234567, 41791234568]);
  });
});

describe('normalizeRows() with a share: each worker its slices of rows, as positions too', () => {
  test('workers reading the same text cut differently give back, dealt in turn, the rows of one reader', async () => {
    const whole = async (source: Readable, share?: { index: number; of: number }) => {
      const batches: IngestBatch[] = [];
      for await (const batch of normalizeRows(source, { country: 'CH', carryColumns: true }, share))
        batches.push(batch);
      return batches;
    };
    const rowsOf = (batches: IngestBatch[]) => ({
      keys: batches.flatMap((batch) => [...batch.keys]),
      reasons: batches.flatMap((batch) => [...batch.reasons]),
      inputs: batches.flatMap((batch) => TextColumn.over(batch.inputs).strings()),
      sources: batches.flatMap((batch) => TextColumn.over(batch.sources!).strings()),
    });
    const plain = `name,phone,country\n${Array.from({ length: 30_000 }, (_, i) => `n${i},${PHONES[i % 7]},${i % 3 ? 'CH' : 'gb'}`).join('\n')}\n`;
    // Rows of ~1 KB: a slice of 2,048 rows is cut from ~30 pieces.
    const wide = `name,phone,notes\n${Array.from({ length: 12_000 }, (_, i) => `n${i},${PHONES[i % 7]},${'w'.repeat(1_000)}`).join('\n')}\n`;
    for (const [text, of, bytes] of [
      [sloppyCsv(41, 30_000, ','), 2, false],
      [sloppyCsv(42, 30_000, ','), 3, false],
      [plain, 2, true],
      [plain, 3, true],
      [wide, 2, true],
    ] as const) {
      const alone = rowsOf(await whole(chunked(text, 1)));
      const shares = await Promise.all(
        Array.from({ length: of }, (_, index) => whole(chunked(text, 100 + index), { index, of })),
      );
      // Every slice but the last holds SHARE_ROWS rows, whatever the pieces it was read in.
      const sizes = shares.flat().map((batch) => batch.keys.length);
      expect(sizes.filter((size) => size !== SHARE_ROWS)).toHaveLength(1);
      if (bytes)
        expect(shares.flat().filter((batch) => !Array.isArray(batch.inputs)).length).toBeGreaterThan(sizes.length / 2);
      const dealt: IngestBatch[] = [];
      const streams = shares.map((batches) =>
        (async function* () {
          yield* batches;
        })(),
      );
      for await (const batch of roundRobin(streams)) dealt.push(batch);
      expect(rowsOf(dealt)).toEqual(alone);
      for (const batches of shares) {
        // Each worker names the carried columns once, on its first batch.
        expect(batches.map((batch) => batch.sourceColumns !== undefined)).toEqual(batches.map((_, i) => i === 0));
        for (const batch of batches) {
          // The phone cells stay spans of the carried lines' memory, joined or not.
          if (bytes)
            expect((batch.inputs as { bytes: Uint8Array }).bytes).toBe((batch.sources as { bytes: Uint8Array }).bytes);
          // Sent one after the other, as the worker does: no memory is transferred twice.
          const transfer = [batch.keys.buffer, batch.reasons.buffer, ...transferablesOf(batch.inputs, batch.sources)];
          expect(() => structuredClone(batch, { transfer: transfer as ArrayBuffer[] })).not.toThrow();
        }
      }
    }
  });
});
