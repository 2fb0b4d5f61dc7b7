/*
 * A row's source cells travel through the job as one string: the cells as a comma-separated
 * record (RFC 4180 quoting, no formula guard). One string per row costs far less than an array
 * of cells (made, posted from the input worker, spooled, read back), and for the usual CSV input
 * (commas, no quotes) it is the input line itself, with nothing made at all.
 */

const NEEDS_QUOTES = /[",\n\r]/;

/** Cells as one source record. */
export function encodeRecord(cells: readonly string[]): string {
  let record = '';
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] ?? '';
    if (i > 0) record += ',';
    record += NEEDS_QUOTES.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
  }
  return record;
}

/** The names of the carried columns: the header's cells, `column<N>` where there is none, each name once. */
export function sourceColumnNames(header: readonly string[] | undefined, width: number): string[] {
  const names: string[] = [];
  const taken = new Set<string>();
  for (let position = 0; position < width; position++) {
    const base = header?.[position]?.trim() || `column${position + 1}`;
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    taken.add(name.toLowerCase());
    names.push(name);
  }
  return names;
}
