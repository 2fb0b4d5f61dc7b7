/**
 * The text of an exceljs cell value, whatever its kind: plain values, rich text, hyperlinks and
 * formula results. Numbers keep every digit (phone numbers arrive as numeric cells). A cell
 * without a value shows what it holds instead: an error cell its code (`#DIV/0!`), a formula
 * never computed its formula (`=A1&B1`); cellProblem() says why it has no value.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const cell = value as FormulaOrRich;
    if (Array.isArray(cell.richText)) return cell.richText.map((part) => part.text ?? '').join('');
    if (cell.text !== undefined) return cellText(cell.text);
    if (cell.result !== undefined) return cellText(cell.result);
    if (typeof cell.error === 'string') return cell.error;
    const formula = cell.formula ?? cell.sharedFormula;
    if (typeof formula === 'string') return `=${formula}`;
  }
  return '';
}

/** Why a cell holds no value, when it is an error cell or a formula without a computed value. */
export function cellProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || value instanceof Date) return undefined;
  const cell = value as FormulaOrRich;
  const error = cell.error ?? (cell.result as FormulaOrRich | undefined)?.error;
  if (typeof error === 'string') return `error cell ${error}`;
  if ((cell.formula !== undefined || cell.sharedFormula !== undefined) && cell.result === undefined)
    return 'formula without a computed value (save the workbook from a spreadsheet program)';
  return undefined;
}

interface FormulaOrRich {
  richText?: Array<{ text?: string }>;
  text?: unknown;
  result?: unknown;
  error?: unknown;
  formula?: unknown;
  sharedFormula?: unknown;
}
