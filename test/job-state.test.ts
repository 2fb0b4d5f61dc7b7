import { expect, test } from 'vitest';
import { e164ToKey } from '../src/dedupe/number-table.js';
import { INVALID_ROW, NO_NUMBER, NOT_IN_TABLE, State } from '../src/job/answer-state.js';
import { JobState } from '../src/job/job-state.js';
import type { AnswerBatch } from '../src/store/result-cache.js';

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

/** A batch of cache answers, as answerBatches() yields them (newest first). */
function answers(list: ReadonlyArray<readonly [key: number, yes: boolean, checkedAtSeconds: number]>): AnswerBatch {
  return {
    length: list.length,
    keys: Float64Array.from(list, ([key]) => key),
    yes: Uint8Array.from(list, ([, yes]) => (yes ? 1 : 0)),
    checkedAtSeconds: Uint32Array.from(list, ([, , seconds]) => seconds),
  };
}

test('JobState.takeCachedAnswers() - fresh answers only, the first of a number wins, unseen ones answer their first row', () => {
  const now = 2_000_000_000_000;
  const fresh = now / 1000 - 10;
  const stale = now / 1000 - 100;
  const d = e164ToKey('+41791000004');
  const state = new JobState();
  state.dedupe(Float64Array.of(d)); // read before the scan got to it
  state.takeCachedAnswers(
    answers([
      [a, true, fresh],
      [a, false, stale], // older, and stale: a is still yes
      [b, false, fresh],
      [b, true, fresh - 1], // older: b is still no
      [c, true, stale],
      [d, true, fresh],
    ]),
    now,
    50_000,
    true,
  );
  expect(state.counts).toMatchObject({ cacheHits: 1, uniqueNumbers: 1 });
  expect(state.stateOf(c)).toBe(NOT_IN_TABLE);
  const { states, duplicates } = state.dedupe(Float64Array.of(a, c, b, a, d));
  expect([...states]).toEqual([State.CACHE_YES, State.UNKNOWN, State.CACHE_NO, State.CACHE_YES, State.CACHE_YES]);
  expect([...duplicates]).toEqual([0, 0, 0, 1, 1]);
  expect(state.counts).toMatchObject({ rows: 6, cacheHits: 3, uniqueNumbers: 4, duplicateRows: 2 });
  // After the input (no unseen numbers): only UNKNOWN numbers are answered, each counted once.
  const e = e164ToKey('+41791000005');
  state.takeCachedAnswers(
    answers([
      [c, false, fresh],
      [c, true, fresh],
      [e, true, fresh],
    ]),
    now,
    50_000,
    false,
  );
  expect([c, e].map((key) => state.stateOf(key))).toEqual([State.CACHE_NO, NOT_IN_TABLE]);
  expect(state.counts.cacheHits).toBe(4);
});

test('JobState.takeCachedAnswers() - agrees with takeCachedAnswer() one answer at a time, rows before, between and after', () => {
  const now = 2_000_000_000_000;
  let seed = 5;
  const random = (below: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % below;
  };
  const keyOf = () => 41_790_000_000 + random(3_000);
  const batched = new JobState();
  const single = new JobState();
  for (let round = 0; round < 6; round++) {
    const rows = Float64Array.from({ length: 500 }, () => (random(10) === 0 ? NO_NUMBER : keyOf()));
    expect(batched.dedupe(rows)).toEqual(single.dedupe(rows));
    const list = Array.from({ length: 700 }, () => [keyOf(), random(2) === 0, now / 1000 - random(200)] as const);
    const unseenToo = round < 4;
    batched.takeCachedAnswers(answers(list), now, 100_000, unseenToo);
    for (const [key, yes, seconds] of list) {
      if (now - seconds * 1000 <= 100_000) single.takeCachedAnswer(key, yes, unseenToo);
    }
    expect(batched.counts).toEqual(single.counts);
  }
  for (let key = 41_790_000_000; key < 41_790_003_000; key++) expect(batched.stateOf(key)).toBe(single.stateOf(key));
  expect(batched.counts.cacheHits).toBeGreaterThan(100);
});
