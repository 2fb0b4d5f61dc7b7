import { expect, test } from 'vitest';
import { e164ToKey } from '../src/dedupe/number-table.js';
import { INVALID_ROW, NO_NUMBER, NOT_IN_TABLE, State } from '../src/job/answer-state.js';
import { JobState } from '../src/job/job-state.js';

const A = '+41791000001';
const B = '+41791000002';
const C = '+41791000003';
const [a, b, c] = [A, B, C].map(e164ToKey) as [number, number, number];

test('JobState.dedupe() - counts rows, invalid rows, repeats and unique numbers, and flags the repeats', () => {
  const state = new JobState();
  const { states, duplicates } = state.dedupe(Float64Array.of(a, NO_NUMBER, a, b));
  expect([...states]).toEqual([State.UNKNOWN, INVALID_ROW, State.UNKNOWN, State.UNKNOWN]);
  expect([...duplicates]).toEqual([0, 0, 1, 0]);
  expect(state.counts).toMatchObject({ rows: 4, invalidRows: 1, duplicateRows: 1, uniqueNumbers: 2 });
  expect([0, 1, 2, 3].map((row) => state.isDuplicateRow(row))).toEqual([false, false, true, false]);
  expect(state.stateOf(c)).toBe(NOT_IN_TABLE);
});

test('JobState.takeCachedAnswer() - an answer read before its row is one hit when the row comes, not two', () => {
  const state = new JobState();
  state.takeCachedAnswer(a, true, true); // the cache is read while the input is
  expect(state.counts).toMatchObject({ cacheHits: 0, uniqueNumbers: 0 });
  const { states } = state.dedupe(Float64Array.of(a, a));
  expect([...states]).toEqual([State.CACHE_YES, State.CACHE_YES]);
  expect(state.counts).toMatchObject({ cacheHits: 1, uniqueNumbers: 1, duplicateRows: 1 });
  // After the input: only a number still UNKNOWN is answered, and counted once.
  state.dedupe(Float64Array.of(b));
  state.takeCachedAnswer(b, false, false);
  state.takeCachedAnswer(b, false, false);
  state.takeCachedAnswer(c, false, false);
  expect(state.stateOf(b)).toBe(State.CACHE_NO);
  expect(state.stateOf(c)).toBe(NOT_IN_TABLE);
  expect(state.counts.cacheHits).toBe(2);
});

test('JobState.planUnknown() - what a resumed task settled or holds is not checked again', () => {
  const state = new JobState();
  state.holdForJournal(A, State.IN_FLIGHT);
  state.settle(B, State.API_NO); // a resumed task answered it before its row was read
  state.dedupe(Float64Array.of(a, b, c));
  expect(state.planUnknown()).toBe(1);
  expect([a, b, c].map((key) => state.stateOf(key))).toEqual([State.IN_FLIGHT, State.API_NO, State.TO_CHECK]);
  expect([...state.numbersToCheck()]).toEqual([c]);
  expect(state.toCheckLeft).toBe(2); // c, and a in flight
});

test('JobState counts - each moves through one named method; finish() counts the unanswered by reason', () => {
  const state = new JobState();
  state.dedupe(Float64Array.of(a, b, c));
  state.planUnknown();
  state.taskCreated(2);
  state.createUnconfirmed(1);
  state.answeredByApi(1);
  state.settle(A, State.API_YES);
  state.settle(B, State.NOT_ANSWERED);
  state.settle(C, State.CREATE_UNCONFIRMED);
  state.finish();
  expect(state.counts).toMatchObject({
    tasks: 1,
    numbersUploaded: 3,
    numbersCharged: 2,
    numbersUnconfirmed: 1,
    answeredByApi: 1,
    unanswered: 2,
  });
  expect(state.unansweredByReason()).toEqual({ provider_gave_no_answer: 1, create_unconfirmed: 1 });
  expect(state.toCheckLeft).toBe(0);
});

test('JobState.nextSettle() - resolves when a number is settled', async () => {
  const state = new JobState();
  state.dedupe(Float64Array.of(a));
  const settled = state.nextSettle();
  state.settle(A, State.API_NO);
  await settled;
  expect(state.stateOf(a)).toBe(State.API_NO);
});
