import { keyToE164 } from '../dedupe/number-table.js';
import { answerOf, reasonOf, sourceOf } from '../job/answer-state.js';
import type { CheckResult } from '../job/check-numbers.js';
import { INVALID_ROW, invalidReasonOf, type ResultBlock } from '../job/result-block.js';
import { resultCells } from './columns.js';
import { neutralizeFormula } from './formula-guard.js';

const NEEDS_QUOTES = /[",\n\r]/;

/** One result as a CSV line (with its newline). */
export function csvLine(result: CheckResult): string {
  return `${resultCells(result, neutralizeFormula).map(csvField).join(',')}\n`;
}

/**
 * A block's rows as CSV lines, exactly what `csvLine` gives for each of its results, without
 * making them: the whatsapp, source and reason cells depend on the row's state alone, so they
 * are formatted once per state, and only the input cell is checked per row.
 */
export function csvLines(block: ResultBlock): string {
  const { rows, keys, states, duplicates, inputs } = block;
  let text = '';
  for (let i = 0; i < block.length; i++) {
    const state = states[i]!;
    const input = csvText(inputs[i]!);
    if (state === INVALID_ROW) text += `${rows[i]!},${input},,,,${csvText(invalidReasonOf(block, i))},false\n`;
    else text += `${rows[i]!},${input},${keyToE164(keys[i]!)},${STATE_CELLS[state]!}${duplicates[i] === 1 ? ',true\n' : ',false\n'}`;
  }
  return text;
}

/** The whatsapp, source and reason cells of a row with a number, by its state. */
const STATE_CELLS: string[] = Array.from({ length: INVALID_ROW }, (_, state) =>
  [answerOf(state) ?? '', sourceOf(state) ?? '', csvText(reasonOf(state) ?? '')].join(','),
);

/** A text cell, guarded against formulas, then quoted when it must be. */
function csvText(text: string): string {
  return csvField(neutralizeFormula(text));
}

function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
