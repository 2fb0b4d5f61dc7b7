import { CsvParser, isMalformed } from './csv-parser.js';

/**
 * A source record's cells, exactly `width` of them: a short row is padded with empty cells, and
 * the cells of a row wider than the header go into its last column, joined by commas, so that no
 * text is lost and the columns after them stay in place.
 */
export function recordCells(record: string, width: number): string[] {
  let cells: string[];
  if (!record.includes('"')) cells = record.split(',');
  else {
    const [row] = new CsvParser({
      delimiter: ',',
      maxRowLength: Number.POSITIVE_INFINITY,
      maxLineBreaksInQuotes: Number.POSITIVE_INFINITY,
    }).push(record, true);
    cells = row === undefined ? [''] : isMalformed(row) ? [row.text] : row.length === 0 ? [''] : row;
  }
  return fitCells(cells, width);
}

function fitCells(cells: string[], width: number): string[] {
  if (cells.length > width && width > 0) {
    const last = cells.slice(width - 1).join(',');
    cells.length = width - 1;
    cells.push(last);
  }
  while (cells.length < width) cells.push('');
  return cells;
}
