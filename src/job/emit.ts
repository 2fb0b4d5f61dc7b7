import { answerOf, INVALID_ROW, NO_NUMBER, State } from './answer-state.js';
import type { JobExtras } from './job-extras.js';
import type { JobState } from './job-state.js';
import { ResultBlock } from './result-block.js';
import type { Checking } from './checking.js';
import { readSpool } from './spool.js';

/**
 * Which spooled rows to write: all of them, those answered without the provider (cache or
 * invalid), or the others.
 */
export type EmitRows = 'all' | 'known' | 'rest';

/**
 * Pass 2: every spooled row (those after the rows pass 1 answered) joined with its number's
 * answer, in input order. With `tasks` (order 'input'), a row whose number has no answer yet
 * waits for one, or for the tasks to end, and what came before it goes out first: tasks are cut
 * in input order, so rows go out as the tasks answer them. A row without an answer waits for the
 * end, when a wrong key or an empty balance fails the job before any output claims a number
 * unanswered.
 */
export async function* emitSpooled(
  spoolPath: string,
  state: JobState,
  which: EmitRows,
  tasks?: Checking,
  extras?: JobExtras,
): AsyncGenerator<ResultBlock> {
  let row = state.rowsAnsweredEarly;
  let waitFor = tasks;
  const carried = state.sourceColumns;
  const newBlock = (capacity: number) => {
    const block = new ResultBlock(capacity).carry(carried);
    if (extras) {
      block.extras = [];
      block.extraColumns = extras.columns;
    }
    return block;
  };
  for await (const { keys, reasons, inputs, sources } of readSpool(spoolPath)) {
    let results = newBlock(keys.length);
    for (let i = 0; i < keys.length; i++) {
      row++;
      const key = keys[i]!;
      if (key === NO_NUMBER) {
        if (included(which, INVALID_ROW)) {
          results.addInvalid(row, inputs[i]!, reasons[i]!);
          results.extras?.push(extras!.get(NO_NUMBER));
          results.sources?.push(sources?.[i] ?? '');
        }
        continue;
      }
      let answer = state.stateOf(key);
      if (waitFor && answerOf(answer) === null && !waitFor.isOver) {
        if (results.length > 0) yield results;
        results = newBlock(keys.length - i);
        while (!waitFor.isOver && answerOf(state.stateOf(key)) === null) await waitFor.nextChange(state);
        if (waitFor.isOver) {
          await waitFor.finished(); // throws if the tasks failed
          waitFor = undefined;
        }
        answer = state.stateOf(key);
      }
      // row counts from 1; the duplicate flags from 0.
      if (included(which, answer)) {
        results.addNumber(row, inputs[i]!, key, answer, state.isDuplicateRow(row - 1));
        results.extras?.push(extras!.get(key));
        results.sources?.push(sources?.[i] ?? '');
      }
    }
    if (results.length > 0) yield results;
  }
}

function included(which: EmitRows, rowState: number): boolean {
  if (which === 'all') return true;
  const known = rowState === INVALID_ROW || rowState === State.CACHE_YES || rowState === State.CACHE_NO;
  return which === 'known' ? known : !known;
}
