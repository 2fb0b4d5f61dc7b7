import { e164ToKey } from '../dedupe/number-table.js';
import type { AnswerBatch, CachedAnswer } from './result-cache.js';

/** 42 -> '+42' and back are exact for E.164 (at most 15 digits); anything else has no key. */
export function keyOfStoredNumber(number: string): number {
  if (number.length < 2 || number.length > 16 || number.charCodeAt(0) !== 43) return 0;
  for (let i = 1; i < number.length; i++) {
    const code = number.charCodeAt(i);
    if (code < 48 || code > 57) return 0;
  }
  return e164ToKey(number);
}

/** Answers as columns; numbers that are not E.164, and missing answers, are left out. */
export function answerBatchOf(
  answers: Iterable<readonly [string, CachedAnswer | undefined]>,
  capacity: number,
): AnswerBatch {
  const batch: AnswerBatch = {
    length: 0,
    keys: new Float64Array(capacity),
    checkedAtSeconds: new Uint32Array(capacity),
    yes: new Uint8Array(capacity),
  };
  for (const [number, answer] of answers) {
    const key = keyOfStoredNumber(number);
    if (key === 0 || !answer) continue;
    const at = batch.length++;
    batch.keys[at] = key;
    batch.checkedAtSeconds[at] = checkedAtSecondsOf(answer);
    batch.yes[at] = answer.whatsapp === 'yes' ? 1 : 0;
  }
  return batch;
}

/** The seconds a cached answer is stamped with (as the database stores them). */
export function checkedAtSecondsOf(answer: CachedAnswer): number {
  return Math.min(0xffff_ffff, Math.max(0, Math.floor(answer.checkedAt / 1000)));
}
