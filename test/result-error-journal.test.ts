import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { type CheckJob, type CheckResult, checkNumbers } from '../src/job/check-numbers.js';
import { LevelResultCache } from '../src/store/level-result-cache.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { type ProxiedCall, useProviderProxies } from './helpers/provider-proxy.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #14 item 1 (job side): a result file the reader rejects crashed the job, and "the rerun
// resumes the task and crashes the same way, so the job can never finish until the cache is
// moved aside". Now the rejection is remembered in the task's journal entry: reported, fetched
// once more with a fresh link by the next run, then only reported.

const { start } = useFastSimulators({ failureShare: 0 });
const proxy = useProviderProxies();
const tempDir = useTempDirs();

/**
 * A simulator behind a proxy whose exported tasks link to junk (a JSON text, not a workbook)
 * while `junk.on` is true.
 */
async function providerOfJunk() {
  const s = await start();
  const junk = { on: true, url: '' };
  const front = await proxy(
    s.url,
    ({ call }) => (call === 'other' ? { status: 200, body: 'not a workbook' } : undefined),
    (task) => (junk.on && task.result_url ? { ...task, result_url: junk.url } : task),
  );
  junk.url = `${front.url}/results/junk.xlsx`;
  return { s, front, junk };
}

async function run(job: CheckJob): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return results;
}

async function journalOf(cacheDir: string) {
  const cache = await LevelResultCache.open(cacheDir);
  try {
    return await cache.journal.open();
  } finally {
    await cache.close();
  }
}

/** The calls a run made: creates, status reads, downloads (the proxy's other requests). */
function tally(calls: readonly ProxiedCall[]) {
  return {
    create: calls.filter((seen) => seen.call === 'create').length,
    status: calls.filter((seen) => seen.call === 'status').length,
    download: calls.filter((seen) => seen.call === 'other').length,
  };
}

describe('checkNumbers() - a rejected result file is remembered', () => {
  test('reported result_invalid; the next run reads one fresh link and downloads once; the third asks nothing', async () => {
    const { s, front } = await providerOfJunk();
    const cacheDir = await tempDir();
    const numbers = swissNumbers(30);
    const options = { client: clientFor(s, { apiUrl: front.url }), cacheDir, concurrency: 1 };

    const first = checkNumbers(numbers, options);
    expect(new Set((await run(first)).map((result) => result.reason))).toEqual(new Set(['result_invalid']));
    expect((await first.summary).unansweredByReason).toEqual({ result_invalid: 30 });
    expect(tally(front.calls)).toMatchObject({ create: 1, download: 1 });
    const [entry] = await journalOf(cacheDir);
    expect(entry).toMatchObject({ state: 'submitted', resultError: { code: ErrorCodes.RESULT_INVALID, tries: 1 } });
    expect(entry!.numbers).toHaveLength(30);

    front.calls.length = 0;
    const second = checkNumbers(numbers, options);
    expect(new Set((await run(second)).map((result) => result.reason))).toEqual(new Set(['result_invalid']));
    expect(tally(front.calls)).toEqual({ create: 0, status: 1, download: 1 });
    expect((await journalOf(cacheDir))[0]).toMatchObject({ resultError: { tries: 2 } });

    front.calls.length = 0;
    const third = checkNumbers(numbers, options);
    const results = await run(third);
    const summary = await third.summary;
    expect(new Set(results.map((result) => result.reason))).toEqual(new Set(['result_invalid']));
    expect(front.calls).toEqual([]);
    expect(summary).toMatchObject({ answeredByApi: 0, cacheHits: 0, tasks: 0, numbersUploaded: 0 });
    expect(summary.unansweredByReason).toEqual({ result_invalid: 30 });
    expect(summary.taskErrors.map((error) => error.code)).toEqual([ErrorCodes.RESULT_INVALID]);
    expect(await journalOf(cacheDir)).toHaveLength(1);
  });

  test('a fresh link that serves a good file the next time: answered, never uploaded again', async () => {
    const { s, front, junk } = await providerOfJunk();
    const cacheDir = await tempDir();
    const numbers = swissNumbers(30);
    const options = { client: clientFor(s, { apiUrl: front.url }), cacheDir, concurrency: 1 };
    await run(checkNumbers(numbers, options));

    junk.on = false;
    front.calls.length = 0;
    const again = checkNumbers(numbers, options);
    const results = await run(again);
    expect(results.map((result) => result.whatsapp)).toEqual(numbers.map((number) => s.oracle.answer(number)));
    expect(tally(front.calls)).toEqual({ create: 0, status: 1, download: 0 });
    expect((await again.summary).answeredByApi).toBe(30);
    expect(await journalOf(cacheDir)).toEqual([]);
    expect(s.ledger.tasksCreated).toBe(1);
  });
});
