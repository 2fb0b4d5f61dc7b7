import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { PRODUCT_SPECS, type Product } from '../api/products.js';
import { buildZip } from '../zip/zip-writer.js';
import { unitHash, type Oracle } from './oracle.js';
import type { ResultQuirks } from './options.js';

/** Extra columns written as numeric cells, as the service's own values may be. */
const NUMERIC_EXTRAS = new Set(['activedays', 'age']);

/**
 * Builds the result workbook of one task the way the provider does: sheet `Sheet1`, header
 * `Number`, `whatsapp` (legacy) or `number`, `activated` and the product's columns (v1), one row
 * per checked number (failures left out), with the configured quirks applied. Returns the bytes
 * to serve (a `.zip` around it with the `zip` quirk).
 */
export async function buildResultFile(
  taskId: string,
  numbers: readonly string[],
  oracle: Pick<Oracle, 'answer' | 'extras'>,
  quirks: ResultQuirks,
  product?: Product,
): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    sink.on('error', reject);
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Sheet1');
  const [numberHeader, answerHeader] = quirks.header ?? (product ? ['number', 'activated'] : ['Number', 'whatsapp']);
  const extraColumns = product ? PRODUCT_SPECS[product].extraColumns : [];
  sheet.addRow([numberHeader, answerHeader, ...extraColumns]).commit();
  const extraCells = (e164: string): Array<string | number> => {
    if (!product || extraColumns.length === 0) return [];
    const extras = oracle.extras(product, e164);
    return extraColumns.map((column) => {
      const value = extras[column] ?? '';
      return NUMERIC_EXTRAS.has(column) && value !== '' ? Number(value) : value;
    });
  };

  const numberCell = (e164: string): string | number => {
    if (quirks.numericCells) return Number(e164.slice(1));
    return quirks.noPlus ? e164.slice(1) : e164;
  };
  const repeatShare = quirks.repeatedRows ?? 0;
  for (const number of numbers) {
    const answer = oracle.answer(number);
    if (answer === 'fail') continue;
    const row = [numberCell(number), answer, ...extraCells(number)];
    sheet.addRow(row).commit();
    if (repeatShare > 0 && unitHash(`${taskId}\u0000repeat\u0000${number}`) < repeatShare) sheet.addRow(row).commit();
  }
  // Rows for numbers nobody asked about: +1 555 01xx is reserved for fiction in North America.
  for (let i = 0; i < (quirks.extraRows ?? 0); i++) {
    sheet.addRow([numberCell(`+1202555${String(100 + (i % 900)).padStart(4, '0')}`), 'yes']).commit();
  }
  sheet.commit();
  await workbook.commit();
  await done;
  const xlsx = Buffer.concat(chunks);
  return quirks.zip ? buildZip([{ name: `${taskId}.xlsx`, data: xlsx }]) : xlsx;
}
