import { describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkNumbers, type CheckResult } from '../src/job/check-numbers.js';
import type { CheckOptions } from '../src/job/options.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { ErrorCodes } from '../src/errors.js';
import { MemoryResultCache } from '../src/store/memory-result-cache.js';
import { preciseNow } from '../src/simulator/http-helpers.js';

const { start } = useFastSimulators();

const tempDir = useTempDirs();

async function run(input: Parameters<typeof checkNumbers>[0], options: CheckOptions) {
  const job = checkNumbers(input, options);
  const results: CheckResult[] = [];
  for await (const result of job) results.push(result);
  return { results, summary: await job.summary };
}

async function csvFile(lines: string[]): Promise<string> {
  const path = join(await tempDir(), 'input.csv');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** What the oracle says for a result's number, as the job should report it. */
function expectAnswersFromOracle(s: RunningSimulator, results: CheckResult[]): void {
  for (const result of results) {
    if (result.number === null) continue;
    const answer = s.oracle.answer(result.number);
    if (answer === 'fail') expect(result.whatsapp).toBeNull();
    else expect({ row: result.row, whatsapp: result.whatsapp }).toEqual({ row: result.row, whatsapp: answer });
  }
}

describe('checkNumbers()', () => {
  test('a CSV checked end to end: one result per row, in input order, answers from the oracle', async () => {
    const s = await start();
    const numbers = swissNumbers(300);
    const lines = ['name;phone', ...numbers.map((n, i) => `person ${i};${n}`)];
    const { results, summary } = await run(await csvFile(lines), { client: clientFor(s), cacheDir: await tempDir() });
    expect(results.map((r) => r.row)).toEqual(numbers.map((_, i) => i + 1));
    expect(results.map((r) => r.number)).toEqual(numbers);
    expectAnswersFromOracle(s, results);
    expect(results.every((r) => r.source === 'api' && r.reason === null)).toBe(true);
    expect(summary).toMatchObject({
      rows: 300,
      uniqueNumbers: 300,
      cacheHits: 0,
      numbersCharged: 300,
      unanswered: 0,
      complete: true,
    });
    expect(s.ledger.numbersCharged).toBe(300);
  });

  test('tasks follow the input order, and rows go out as their tasks finish, before the last one does', async () => {
    const s = await start();
    // Reversed, with repeats: neither number order nor hash order is input order.
    const numbers = swissNumbers(3000).reverse();
    const lines = ['phone', ...numbers.flatMap((n, i) => (i % 10 === 0 ? [n, n] : [n]))];
    const uploaded: string[][] = [];
    const taskIds: string[] = [];
    s.hooks.afterCreate = (taskId, taskNumbers) => {
      taskIds.push(taskId);
      uploaded.push([...taskNumbers]);
    };
    let rowsSeen = 0;
    let firstTwoTasksSeen!: () => void;
    const seen = new Promise<void>((resolve) => (firstTwoTasksSeen = resolve));
    let rowsSeenWhenLastTaskAnswered = -1;
    s.hooks.beforeStatus = async (taskId) => {
      if (taskId !== taskIds[2]) return;
      // The last task's status is held until the rows of the first two are out (or 20 s pass, and the
      // test fails): an event, not a time, so a busy machine cannot fail it.
      await Promise.race([seen, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (rowsSeenWhenLastTaskAnswered < 0) rowsSeenWhenLastTaskAnswered = rowsSeen;
    };
    const job = checkNumbers(await csvFile(lines), { client: clientFor(s), concurrency: 1, maxTaskSize: 1000 });
    const results: CheckResult[] = [];
    for await (const batch of job.batches()) {
      results.push(...batch);
      rowsSeen = results.length;
      if (results.filter((r) => !r.duplicate).length >= 2000) firstTwoTasksSeen();
    }
    expect(uploaded).toEqual([numbers.slice(0, 1000), numbers.slice(1000, 2000), numbers.slice(2000)]);
    expect(rowsSeenWhenLastTaskAnswered).toBeGreaterThanOrEqual(2000);
    expect(results.map((r) => r.row)).toEqual(lines.slice(1).map((_, i) => i + 1));
    expectAnswersFromOracle(s, results);
    expect((await job.summary).numbersCharged).toBe(3000);
  });

  test('the next task is created a little before a slot frees, so the slot does not idle between tasks', async () => {
    // 2,000 numbers at 1,000/s: each task processes for 2 s once its slot is free.
    const s = await start({ numbersPerSecond: 1000, queueDelayMs: 20 });
    const client = clientFor(s);
    // A first task teaches the client the provider's rate, as in any job past its first round.
    await run(swissNumbers(500, 50_000), { client, concurrency: 1 });
    // Decided by events, not by the clock: a read that would tell the client the first task is
    // over is held until the second task is created (or 20 s pass, and the test fails). A job
    // that waits for that read to free its slot leaves the slot idle; this one must not wait.
    const taskIds: string[] = [];
    let firstEndsAt = Number.POSITIVE_INFINITY;
    let secondCreated!: () => void;
    const second = new Promise<void>((resolve) => (secondCreated = resolve));
    let endSeenBeforeSecondCreate = false;
    // ...and not before the first task's end could be predicted: two reads while it processes.
    let processingReads = 0;
    let firstStartsAt = Number.POSITIVE_INFINITY;
    s.hooks.afterCreate = (taskId) => {
      taskIds.push(taskId);
      if (taskIds.length === 1) {
        firstStartsAt = preciseNow() + 20;
        firstEndsAt = firstStartsAt + 2000;
      }
      if (taskIds.length === 2) secondCreated();
    };
    s.hooks.beforeStatus = async (taskId) => {
      if (taskId !== taskIds[0] || taskIds.length > 1) return;
      if (preciseNow() >= firstStartsAt && preciseNow() < firstEndsAt) processingReads++;
      if (preciseNow() < firstEndsAt) return;
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 20_000)));
      if (await Promise.race([second.then(() => false), gaveUp])) endSeenBeforeSecondCreate = true;
      clearTimeout(timer);
    };
    const { summary } = await run(swissNumbers(4000), { client, concurrency: 1, maxTaskSize: 2000 });
    expect(summary).toMatchObject({ numbersCharged: 4000, answeredByApi: 4000, complete: true });
    expect(taskIds).toHaveLength(2);
    expect(endSeenBeforeSecondCreate).toBe(false);
    expect(processingReads).toBeGreaterThanOrEqual(2);
    expect(s.ledger.snapshot().doubleCharged).toEqual({});
  }, 60_000);

  test('a second, overlapping list pays only for its new numbers', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    const first = swissNumbers(500);
    const second = [...swissNumbers(300, 200), ...swissNumbers(200, 1000)]; // 300 known, 200 new
    await run(await csvFile(first), { client: clientFor(s), cacheDir });
    expect(s.ledger.numbersCharged).toBe(500);
    const { results, summary } = await run(await csvFile(second), { client: clientFor(s), cacheDir });
    expect(s.ledger.numbersCharged).toBe(700);
    expect(s.ledger.doubleCharged()).toEqual({});
    expect(summary).toMatchObject({ cacheHits: 300, numbersCharged: 200, savedByCache: 300 });
    expect(results.filter((r) => r.source === 'cache')).toHaveLength(300);
    expectAnswersFromOracle(s, results);
  });

  test('rows answered by the cache come out before the provider is asked, the rest after, in input order', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    const known = swissNumbers(50);
    await run(known, { client: clientFor(s), cacheDir });
    const tasksBefore = s.ledger.tasksCreated;
    const fresh = swissNumbers(20, 900);
    const lines = ['phone', ...known.slice(0, 30), 'n/a', fresh[0]!, ...known.slice(30), ...fresh.slice(1)];
    const job = checkNumbers(await csvFile(lines), { client: clientFor(s), cacheDir });
    const results: CheckResult[] = [];
    let tasksWhenFirstOut = -1;
    for await (const result of job) {
      if (results.length === 0) tasksWhenFirstOut = s.ledger.tasksCreated;
      results.push(result);
    }
    expect(tasksWhenFirstOut).toBe(tasksBefore);
    expect(results.map((r) => r.row)).toEqual(lines.slice(1).map((_, i) => i + 1));
    expect(results.slice(0, 30).every((r) => r.source === 'cache')).toBe(true);
    expect(results[30]).toMatchObject({ input: 'n/a', reason: 'not_a_phone_number' });
    expect(results[31]).toMatchObject({ number: fresh[0], source: 'api' });
    expect(results.slice(32, 52).every((r) => r.source === 'cache')).toBe(true);
    expectAnswersFromOracle(s, results);
    expect(s.ledger.tasksCreated).toBeGreaterThan(tasksBefore);
  });

  test('a file read while the cache is scanned: numbers the input lacks count for nothing, repeats are hits once', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    // The cache knows 2,000 numbers; the list has 300 of them (each twice) and 100 new ones.
    const known = swissNumbers(2000);
    await run(known, { client: clientFor(s), cacheDir });
    const listed = [...known.slice(500, 800), ...swissNumbers(100, 9000)];
    const lines = ['phone', ...listed, ...known.slice(500, 800)];
    const { results, summary } = await run(await csvFile(lines), { client: clientFor(s), cacheDir });
    expect(summary).toMatchObject({
      rows: 700,
      uniqueNumbers: 400,
      duplicateRows: 300,
      cacheHits: 300,
      numbersCharged: 100,
      unanswered: 0,
      complete: true,
    });
    expect(results.filter((r) => r.source === 'cache')).toHaveLength(600);
    expect(results.slice(400).every((r) => r.duplicate && r.source === 'cache')).toBe(true);
    expectAnswersFromOracle(s, results);
  });

  test('a cache far larger than the job is looked up with getMany, not read through', async () => {
    const s = await start();
    /** Claims to be huge, and counts how it is used. */
    class HugeCache extends MemoryResultCache {
      scans = 0;
      lookups = 0;
      override async estimateSize(): Promise<number> {
        return 1e9;
      }
      override async getMany(numbers: readonly string[]) {
        this.lookups += numbers.length;
        return super.getMany(numbers);
      }
      override entries() {
        this.scans++;
        return super.entries();
      }
      override answerBatches() {
        this.scans++;
        return super.answerBatches();
      }
    }
    const cache = new HugeCache();
    await run(swissNumbers(300), { client: clientFor(s), cache });
    const { results, summary } = await run([...swissNumbers(300), ...swissNumbers(100, 5000)], {
      client: clientFor(s),
      cache,
    });
    expect(cache.scans).toBe(0);
    expect(cache.lookups).toBe(300 + 400);
    expect(summary).toMatchObject({ cacheHits: 300, numbersCharged: 100 });
    expectAnswersFromOracle(s, results);
  });

  test('ten spellings of one number pay once, and every row gets its answer', async () => {
    const s = await start();
    const spellings = [
      '+41798284651,',
      '+41 79 828 46 51,',
      '0041 79 828 46 51,',
      '41798284651,',
      '079 828 46 51,CH',
      '"079 828 46 51",ch',
      'tel:+41-79-828-46-51,',
      '+41 (0)79 828 46 51,',
      '0798284651,CH',
      '+41.79.828.46.51,',
    ];
    const { results, summary } = await run(await csvFile(['phone,country', ...spellings]), { client: clientFor(s) });
    expect(results.map((r) => r.number)).toEqual(Array(10).fill('+41798284651'));
    expect(new Set(results.map((r) => r.whatsapp))).toEqual(new Set([s.oracle.answer('+41798284651')]));
    expect(results.filter((r) => r.duplicate)).toHaveLength(9);
    expect(summary).toMatchObject({ rows: 10, uniqueNumbers: 1, duplicateRows: 9, numbersCharged: 1 });
    expect(s.ledger.chargesFor('+41798284651')).toBe(1);
  });

  test('invalid rows are reported with a reason and never uploaded', async () => {
    const s = await start();
    const lines = [
      'name,phone',
      'a,+41798284651',
      'b,n/a',
      'c,',
      'd,079 828 46 51',
      'e,+4179828465',
      'f',
      'g,"+41791000001',
    ];
    const { results, summary } = await run(await csvFile(lines), { client: clientFor(s) });
    expect(results.map((r) => [r.input, r.reason])).toEqual([
      ['+41798284651', null],
      ['n/a', 'not_a_phone_number'],
      ['', 'empty'],
      ['079 828 46 51', 'needs_country'],
      ['+4179828465', 'invalid_number'],
      ['f', 'malformed_row'],
      ['g,"+41791000001', 'malformed_row'],
    ]);
    expect(summary).toMatchObject({ rows: 7, invalidRows: 6, numbersCharged: 1 });
    expect(s.ledger.numbersCharged).toBe(1);
  });

  test('numbers the provider fails are tried once more, then reported unanswered', async () => {
    const s = await start({ failureShare: 0.2 });
    const numbers = swissNumbers(200);
    const { results, summary } = await run(numbers, { client: clientFor(s) });
    const failed = numbers.filter((n) => s.oracle.answer(n) === 'fail');
    expect(failed.length).toBeGreaterThan(10);
    for (const number of failed) expect(s.ledger.chargesFor(number)).toBe(2);
    for (const number of numbers.filter((n) => !failed.includes(n))) expect(s.ledger.chargesFor(number)).toBe(1);
    expect(results.filter((r) => r.whatsapp === null).map((r) => r.number)).toEqual(failed);
    expect(results.filter((r) => r.whatsapp === null).every((r) => r.reason === 'provider_gave_no_answer')).toBe(true);
    expect(summary).toMatchObject({
      unanswered: failed.length,
      complete: false,
      unansweredByReason: { provider_gave_no_answer: failed.length },
    });
  });

  test('a task that fails at the provider has its numbers answered by a later task', async () => {
    const s = await start();
    s.faults.add({ on: 'create', kind: 'fail-task' });
    const numbers = swissNumbers(50);
    const { results, summary } = await run(numbers, { client: clientFor(s), concurrency: 1 });
    expect(results.every((r) => r.whatsapp !== null)).toBe(true);
    expect(summary.tasks).toBe(2);
  });

  // Reconciliation in both API versions; 500 numbers, the v1 minimum for ws.
  test.each(['legacy', 'v1'] as const)('quirky result files still give the oracle answers (%s API)', async (api) => {
    const s = await start({
      quirks: { numericCells: true, zip: true, repeatedRows: 0.2, extraRows: 5, header: ['NUMBER', 'Activated'] },
    });
    const numbers = swissNumbers(500);
    const { results, summary } = await run(numbers, { client: clientFor(s, { api }) });
    expectAnswersFromOracle(s, results);
    expect(summary.unanswered).toBe(0);
  });

  test("order 'completion' gives every row exactly once, cached rows first", async () => {
    const s = await start();
    const cacheDir = await tempDir();
    await run(swissNumbers(100), { client: clientFor(s), cacheDir });
    const numbers = [...swissNumbers(100, 500), ...swissNumbers(100)];
    const { results } = await run(numbers, { client: clientFor(s), cacheDir, order: 'completion' });
    expect(results.map((r) => r.row).sort((a, b) => a - b)).toEqual(numbers.map((_, i) => i + 1));
    expect(results.slice(0, 100).every((r) => r.source === 'cache')).toBe(true);
    expect(results.slice(100).every((r) => r.source === 'api')).toBe(true);
  });

  test('tasks are sized to keep every slot busy', async () => {
    const s = await start();
    const { summary } = await run(swissNumbers(1000), { client: clientFor(s), concurrency: 5 });
    expect(summary.tasks).toBe(5);
    expect(s.ledger.tasksCreated).toBe(5);
  });

  test('a 413 splits the task instead of failing it', async () => {
    const s = await start({ maxFileBytes: 4000 });
    const { summary } = await run(swissNumbers(600), { client: clientFor(s), concurrency: 1 });
    expect(summary.unanswered).toBe(0);
    expect(s.ledger.numbersCharged).toBe(600);
    expect(s.ledger.snapshot().freeErrors['413']).toBeGreaterThan(0);
  });

  test('stale answers are checked again', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    await run(swissNumbers(10), { client: clientFor(s), cacheDir });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the cache stores seconds
    const { summary } = await run(swissNumbers(10), { client: clientFor(s), cacheDir, maxAgeMs: 500 });
    expect(summary).toMatchObject({ cacheHits: 0, numbersCharged: 10 });
  });

  test('a wrong key fails the job with WA_UNAUTHORIZED', async () => {
    const s = await start();
    const job = checkNumbers(swissNumbers(5), { client: clientFor(s, { apiKey: 'wrong-key' }) });
    await expect(async () => {
      for await (const _ of job) void _;
    }).rejects.toMatchObject({ code: ErrorCodes.UNAUTHORIZED });
    await expect(job.summary).rejects.toMatchObject({ code: ErrorCodes.UNAUTHORIZED });
  });

  test('inputs: a Readable of CSV bytes with a BOM and CRLF, and records with a country', async () => {
    const s = await start();
    const bytes = Buffer.from('\uFEFFPhone Number\r\n079 828 46 51\r\n+41791000001\r\n');
    const fromStream = await run(Readable.from([bytes]), { client: clientFor(s), country: 'CH' });
    expect(fromStream.results.map((r) => r.number)).toEqual(['+41798284651', '+41791000001']);
    const fromRecords = await run(
      [
        { number: '030 901820', country: 'DE' },
        { number: '(415) 555-2671', country: 'US' },
      ],
      { client: clientFor(s) },
    );
    expect(fromRecords.results.map((r) => r.number)).toEqual(['+4930901820', '+14155552671']);
  });

  test('progress is reported while the job runs', async () => {
    const s = await start();
    const phases = new Set<string>();
    let last: { rows: number } | undefined;
    await run(swissNumbers(100), {
      client: clientFor(s),
      onProgress: (p) => {
        phases.add(p.phase);
        last = p;
      },
    });
    expect(phases).toContain('checking');
    expect(phases).toContain('done');
    expect(last?.rows).toBe(100);
  });

  test('a job consumed halfway cleans up and pays nothing more', async () => {
    const s = await start();
    const cacheDir = await tempDir();
    await run(swissNumbers(100), { client: clientFor(s), cacheDir });
    for await (const result of checkNumbers(swissNumbers(100), { client: clientFor(s), cacheDir })) {
      expect(result.source).toBe('cache');
      break;
    }
    // The folder was released: a new job can open it at once.
    const { summary } = await run(swissNumbers(100), { client: clientFor(s), cacheDir });
    expect(summary.cacheHits).toBe(100);
    expect(s.ledger.numbersCharged).toBe(100);
  });
});

test('the compiled job reads files in a worker thread, with the same results as in-thread', async () => {
  const s = await start();
  // dist/ is built by the vitest global setup (test/setup/build-dist.ts); its worker script exists only there.
  const distEntry = '../dist/index.js'; // a variable: type-checking must not need dist/ to exist
  const compiled = (await import(distEntry)) as typeof import('../src/index.js');
  const distWorker = '../dist/job/key-batches.js';
  expect(((await import(distWorker)) as typeof import('../src/job/key-batches.js')).workerAvailable()).toBe(true);
  const lines = [
    'name,phone,country',
    ...swissNumbers(3000).map((n, i) => `p${i},${i % 3 ? n : n.replace('+41', '0')},CH`),
    'x,n/a,',
    'y,+41791000005,CH',
  ];
  const file = await csvFile(lines);
  const cacheDir = await tempDir();
  const inThread = await run(file, { client: clientFor(s), cacheDir });
  const job = compiled.checkNumbers(file, { dryRun: true, cacheDir });
  const viaWorker: CheckResult[] = [];
  for await (const result of job) viaWorker.push(result);
  expect(viaWorker).toEqual(inThread.results.map((r) => ({ ...r, source: r.source === 'api' ? 'cache' : r.source })));
  expect((await job.summary).cacheHits).toBe(inThread.summary.uniqueNumbers);
});
