import { describe, expect, test } from 'vitest';
import { parseString } from '@fast-csv/parse';
import { CsvParser, sniffDelimiter, type ParsedRow } from '../src/input/csv-parser.js';

function parseAll(text: string, delimiter: string | undefined, chunkSize = text.length): ParsedRow[] {
  const parser = new CsvParser({ delimiter });
  const rows: ParsedRow[] = [];
  for (let at = 0; at < text.length; at += chunkSize) parser.push(text.slice(at, at + chunkSize), false, rows);
  parser.push('', true, rows);
  return rows;
}

function fastCsv(text: string, delimiter: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text, { delimiter, ignoreEmpty: true })
      .on('data', (row: string[]) => rows.push(row))
      .on('end', () => resolve(rows))
      .on('error', reject);
  });
}

describe('CsvParser', () => {
  test('.push() - plain rows, CRLF, a blank line is a row with no fields, a final newline is not a row', () => {
    expect(parseAll('a,b\r\nc,d\n\n\r\n e , f \n', ',')).toEqual([['a', 'b'], ['c', 'd'], [], [], [' e ', ' f ']]);
    expect(parseAll('+41798284651\n\n+41798284652', undefined)).toEqual([['+41798284651'], [], ['+41798284652']]);
  });

  test('.push() - quoted fields with delimiters, quotes and newlines', () => {
    expect(parseAll('"a,1","say ""hi"""\n"multi\nline",x\n', ',')).toEqual([
      ['a,1', 'say "hi"'],
      ['multi\nline', 'x'],
    ]);
  });

  test('.push() - the same rows whatever the chunk size', () => {
    const text = 'phone;name\n"+41 79 828 46 51";"Anna; ""A"""\r\n0041798284651;Bob\r\n"x\r\ny";z\n';
    const whole = parseAll(text, ';');
    for (const size of [1, 2, 3, 5, 7, 16]) expect(parseAll(text, ';', size)).toEqual(whole);
  });

  test('.push() - a stray quote inside a field is kept as text', () => {
    expect(parseAll('ab"c,d\n', ',')).toEqual([['ab"c', 'd']]);
  });

  test('.push() - an unclosed quote is one malformed row, not a crash', () => {
    const rows = parseAll('a,b\nc,"never closed\n', ',');
    expect(rows[0]).toEqual(['a', 'b']);
    expect(rows[1]).toMatchObject({ malformed: 'unclosed quote' });
  });

  // #14: a quote that never closed at line 3 swallowed 3,507 rows and shifted every later row.
  test('.push() - an unclosed quote costs its own line only: later rows are read and keep their numbers', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `p${i},+4179${String(1_000_000 + i)},CH`);
    lines[2] = 'p2,"+41 79 000 00 02,CH';
    lines[4000] = 'p4000,"+41 79 000 40 00,CH';
    const text = `${lines.join('\n')}\n`;
    for (const chunkSize of [text.length, 65_536, 997]) {
      const rows = parseAll(text, ',', chunkSize);
      expect(rows).toHaveLength(lines.length);
      expect(rows[2]).toEqual({ malformed: 'unclosed quote', text: lines[2] });
      expect(rows[4000]).toEqual({ malformed: 'unclosed quote', text: lines[4000] });
      expect(rows[3]).toEqual(lines[3]!.split(','));
      expect(rows[4999]).toEqual(lines[4999]!.split(','));
    }
  });

  test(".push() - a quote closed lines later by another row's quote is an unclosed one", () => {
    const rows = parseAll('a,"+41 79 1,CH\nb,"+41 79 2",DE\nc,+41 79 3,FR\n', ',');
    expect(rows).toEqual([
      { malformed: 'unclosed quote', text: 'a,"+41 79 1,CH' },
      ['b', '+41 79 2', 'DE'],
      ['c', '+41 79 3', 'FR'],
    ]);
  });

  test('.push() - a quoted field may span lines, up to maxLineBreaksInQuotes', () => {
    const text = 'x,"1\n2\n3",y\nz,w\n';
    expect(parseAll(text, ',')).toEqual([
      ['x', '1\n2\n3', 'y'],
      ['z', 'w'],
    ]);
    const parser = new CsvParser({ delimiter: ',', maxLineBreaksInQuotes: 1 });
    expect(parser.push(text, true)).toEqual([
      { malformed: 'unclosed quote', text: 'x,"1' },
      ['2'],
      ['3"', 'y'],
      ['z', 'w'],
    ]);
  });

  test('.push() - a line with no end, pushed chunk after chunk, is one malformed row in bounded memory', () => {
    const parser = new CsvParser({ delimiter: ',', maxRowLength: 1000 });
    const rows: ParsedRow[] = [];
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) {
      parser.push(chunk, false, rows);
      expect(parser.bufferedLength).toBeLessThanOrEqual(1000);
    }
    parser.push('\nnext,1\n', true, rows);
    expect(rows).toEqual([{ malformed: 'row too long', text: `${'x'.repeat(200)}…` }, ['next', '1']]);
    const unended = new CsvParser({ delimiter: ',', maxRowLength: 10 });
    expect(unended.push('a,"bbbbbbbbbbbbbbbbbbbbbbb', false)).toEqual([]);
    expect(unended.bufferedLength).toBe(0);
    expect(unended.push('ccc', true)).toEqual([{ malformed: 'row too long', text: 'a,"bbbbbbbbbbbbbbbbbbbbbbb' }]);
  });

  test('.push() - a runaway row is cut and parsing resumes', () => {
    const parser = new CsvParser({ delimiter: ',', maxRowLength: 50 });
    const rows = parser.push(`x,"${'y'.repeat(100)}\nok,1\n`, false);
    rows.push(...parser.push('next,2\n', true));
    expect(rows[0]).toMatchObject({ malformed: 'unclosed quote', text: expect.stringMatching(/^x,"y+$/) });
    expect(rows.slice(1)).toEqual([
      ['ok', '1'],
      ['next', '2'],
    ]);
  });

  test('.push() - without a delimiter, each line is one field, quotes and all', () => {
    expect(parseAll('"+41 79",x\n+41798284651\n', undefined)).toEqual([['"+41 79",x'], ['+41798284651']]);
  });

  test('.project() - the wanted fields are the ones split() gives, rows with too few fields come whole', () => {
    const lines = [
      'a,+41 79,CH',
      'b,+41 78,',
      'c,+41 77',
      'd',
      ',,',
      'e,"+41 76",FR',
      'f,+41 75,DE,extra,more',
      '',
      'g,+41 74,IT\r',
      '\r',
      'h,+41 73,,',
    ];
    const text = `${lines.join('\n')}\n`;
    for (const chunkSize of [text.length, 7, 1]) {
      const parser = new CsvParser({ delimiter: ',' });
      parser.project([1, 2]);
      const rows: ParsedRow[] = [];
      for (let at = 0; at < text.length; at += chunkSize) parser.push(text.slice(at, at + chunkSize), false, rows);
      parser.push('', true, rows);
      const full = parseAll(text, ',') as string[][];
      expect(rows).toHaveLength(full.length);
      rows.forEach((row, i) => {
        const whole = full[i]!;
        if (whole.length < 3) {
          expect(row).toEqual(whole); // too few fields: the row as it was
        } else {
          expect([(row as string[])[1], (row as string[])[2]]).toEqual([whole[1], whole[2]]);
          expect((row as string[])[0]).toBe(whole[0]!.startsWith('e') ? 'e' : undefined); // quoted rows are parsed whole
        }
      });
    }
  });

  test('agrees with @fast-csv/parse on well-formed files', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) {
      const fields = [
        `${i}`,
        i % 3 === 0 ? `"name, ${i}"` : `name ${i}`,
        i % 7 === 0 ? '"say ""x"""' : '+41 79 000 00 00',
        i % 11 === 0 ? '"a\nb"' : '',
      ];
      lines.push(fields.join(','));
    }
    const text = `${lines.join('\r\n')}\r\n`;
    expect(parseAll(text, ',', 97)).toEqual(await fastCsv(text, ','));
  });
});

test('sniffDelimiter() - the consistent candidate wins, none means one column', () => {
  expect(sniffDelimiter('a,b,c\n1,2,3\n4,5,6\n')).toBe(',');
  expect(sniffDelimiter('name;phone\nA, B;+41 79\nC;+41 78\n')).toBe(';');
  expect(sniffDelimiter('a\tb\n1\t2\n')).toBe('\t');
  expect(sniffDelimiter('a|b\n1|2\n')).toBe('|');
  expect(sniffDelimiter('+41798284651\n+41798284652\n')).toBeUndefined();
});
