import { ErrorCodes, WaError } from '../errors.js';
import { CsvParser, sniffDelimiter } from './csv-parser.js';
import { chunkDecoder, describeBinary, sniffEncoding } from './input-bytes.js';
import { type InputBatch, type ParsedBatch, tabular, type TabularOptions } from './tabular.js';

/** Excel's first line naming the delimiter (`sep=;`): honoured, and not a row. */
const EXCEL_SEPARATOR_LINE = /^sep=(.)\r?(?:\n|$)/i;

/**
 * CSV or a plain text list (`txt`: one number per line), from its first block `head` and the
 * chunks that follow it. The encoding is taken from a byte-order mark (UTF-8, UTF-16LE/BE), and
 * an input that is not text at all (a zip, a PDF, zero bytes) is refused with
 * WA_INPUT_UNREADABLE, saying what it looks like, rather than read as rows of garbage.
 */
export async function* readText(
  head: Buffer,
  more: AsyncIterable<Buffer> | undefined,
  format: 'csv' | 'txt' | undefined,
  options: TabularOptions,
): AsyncGenerator<InputBatch> {
  const { encoding, bomLength } = sniffEncoding(head);
  const binary = encoding === 'utf8' ? describeBinary(head) : undefined;
  if (binary !== undefined) {
    throw new WaError(
      ErrorCodes.INPUT_UNREADABLE,
      `The input looks like ${binary}, not ${format === 'txt' ? 'a text list' : 'CSV or a text list'}.`,
    );
  }
  const decoder = chunkDecoder(encoding);
  let sampleText = decoder.write(head.subarray(bomLength));
  if (more === undefined) sampleText += decoder.end();
  let delimiter: string | undefined;
  const separatorLine = EXCEL_SEPARATOR_LINE.exec(sampleText);
  if (separatorLine) {
    sampleText = sampleText.slice(separatorLine[0].length);
    delimiter = format === 'txt' ? undefined : separatorLine[1];
  } else {
    delimiter = format === 'txt' ? undefined : sniffDelimiter(sampleText);
  }
  const parser = new CsvParser({ delimiter });

  // A text list (one field per line) has no columns to carry besides its phone cell.
  const keepRecords = options.carryColumns === true && delimiter !== undefined;
  // Rows as positions once the columns are chosen, where a row's source record is its line.
  const spans = options.rowSpans === true && (!keepRecords || delimiter === ',');
  let projected = false;
  const batch = (text: string, final: boolean): ParsedBatch => {
    if (spans && projected) return { spans: parser.pushSpans(text, final, keepRecords) };
    const records = keepRecords ? [] : undefined;
    return { rows: parser.push(text, final, [], records), records };
  };
  async function* rows(): AsyncGenerator<ParsedBatch> {
    yield batch(sampleText, more === undefined);
    if (more === undefined) return;
    for await (const chunk of more) yield batch(decoder.write(chunk), false);
    yield batch(decoder.end(), true);
  }
  // Once the columns are known, only the phone and country fields are made.
  yield* tabular(rows(), options, {
    chosen: (choice) => {
      parser.project(choice.country === undefined ? [choice.phone] : [choice.phone, choice.country]);
      projected = true;
    },
  });
}
