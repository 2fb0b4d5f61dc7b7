import type { Readable } from 'node:stream';
import { ErrorCodes, WaError } from '../errors.js';
import { cellProblem, cellText } from '../spreadsheet/cell-text.js';
import type { ParsedRow } from './csv-parser.js';
import { BATCH_ROWS, type InputBatch, type ParsedBatch, tabular, type TabularOptions } from './tabular.js';

/**
 * The first sheet of a workbook, one row per sheet row after the header: rows missing from the
 * sheet's XML between rows with content are blank rows, so that a result's `row` is the sheet row
 * a person sees (less the header). Blank rows after the last row with content are not rows.
 * The caller owns `input` and destroys it when done.
 */
export async function* readXlsx(input: Readable, options: TabularOptions): AsyncGenerator<InputBatch> {
  // Loaded on first use: exceljs takes ~120 ms to load, which every CSV read (and the input
  // worker's start) would otherwise pay.
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  // Cells without a value, by row: rare, so kept beside the rows instead of in every row.
  const problems = new WeakMap<string[], Array<string | undefined>>();
  async function* rows(): AsyncGenerator<ParsedBatch> {
    try {
      for await (const sheet of reader) {
        let batch: ParsedRow[] = [];
        let nextRow = 1;
        let blanks = 0;
        for await (const row of sheet) {
          const values = row.values as unknown[];
          const cells: string[] = [];
          let rowProblems: Array<string | undefined> | undefined;
          for (let i = 1; i < values.length; i++) {
            cells.push(cellText(values[i]));
            const problem = cellProblem(values[i]);
            if (problem === undefined) continue;
            rowProblems ??= [];
            rowProblems[i - 1] = problem;
          }
          if (rowProblems) problems.set(cells, rowProblems);
          blanks += row.number - nextRow;
          nextRow = row.number + 1;
          if (cells.every((cell) => cell === '')) {
            blanks++;
            continue;
          }
          for (; blanks > 0; blanks--) {
            batch.push([]);
            if (batch.length >= BATCH_ROWS) {
              yield { rows: batch };
              batch = [];
            }
          }
          batch.push(cells);
          if (batch.length >= BATCH_ROWS) {
            yield { rows: batch };
            batch = [];
          }
        }
        yield { rows: batch };
        break; // the first sheet only
      }
    } catch (cause) {
      if (cause instanceof WaError) throw cause;
      throw new WaError(ErrorCodes.INPUT_UNREADABLE, `The workbook cannot be read: ${(cause as Error).message}.`, {
        cause,
      });
    }
  }
  yield* tabular(rows(), options, { problemOf: (row, column) => problems.get(row)?.[column] });
}
