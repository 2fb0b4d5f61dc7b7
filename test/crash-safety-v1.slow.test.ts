import { describe, test } from 'vitest';
import { expectUnconfirmedNeverUploadedAgain, useCrashHarness } from './helpers/crash-harness.js';

// The kill between an upload and its journal write, against the v1 API (the legacy run is in
// crash-safety.test.ts, in the fast suite).
const v1Harness = useCrashHarness({ count: 10_000, taskSize: 1000, api: 'v1' });

describe('a job killed with SIGKILL and run again (v1 API)', () => {
  test('between an upload and its journal write: the task is unconfirmed, never uploaded again', () =>
    expectUnconfirmedNeverUploadedAgain(v1Harness));
});
