import { expect } from 'vitest';
import { WaError } from '../../src/errors.js';
import { type CheckResult, checkNumbers } from '../../src/job/check-numbers.js';
import type { CheckOptions } from '../../src/job/options.js';
import type { InputSource } from '../../src/input/read-input.js';
import type { RunningSimulator } from '../../src/simulator/index.js';

/** The WaError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<WaError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WaError);
    return error as WaError;
  }
  throw new Error('expected a rejection');
}

/** Every number answered as the simulator's oracle answers it; numbers it fails are left out. */
export function expectOracleAnswers(
  s: RunningSimulator,
  answered: Map<string, string>,
  numbers: readonly string[],
): void {
  const expected = new Map(numbers.filter((n) => s.oracle.answer(n) !== 'fail').map((n) => [n, s.oracle.answer(n)]));
  expect(answered).toEqual(expected);
}

/** A whole job: its results, then its summary. */
export async function runJob(
  input: InputSource,
  options: CheckOptions,
): Promise<{ results: CheckResult[]; summary: Awaited<ReturnType<typeof checkNumbers>['summary']> }> {
  const job = checkNumbers(input, options);
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return { results, summary: await job.summary };
}
