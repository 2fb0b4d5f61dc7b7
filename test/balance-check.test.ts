import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { swissNumbers } from './helpers/sim-http.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { runJob } from './helpers/expectations.js';

const { start } = useFastSimulators();
const tempDir = useTempDirs();

describe('checkNumbers() - the balance before paying (v1)', () => {
  test('a balance that cannot cover the upload at the price stops the job before any create', async () => {
    const sim = await start({ account: { balance: 0.01 } });
    const job = runJob(swissNumbers(600), {
      client: clientFor(sim, { api: 'v1' }),
      cacheDir: await tempDir(),
      pricePerNumber: 0.0001,
    });
    await expect(job).rejects.toMatchObject({
      code: ErrorCodes.INSUFFICIENT_BALANCE,
      message: expect.stringMatching(
        /balance \(0\.01 USD\) cannot cover 600 numbers at 0\.0001 USD each \(0\.06 USD\)/,
      ),
    });
    expect(sim.ledger.tasksCreated).toBe(0);
    expect(sim.ledger.balanceReads).toBe(1);
  });

  test('without a price, an empty balance still stops the job; a positive one is noted as not compared', async () => {
    const empty = await start({ account: { balance: 0 } });
    await expect(
      runJob(swissNumbers(600), { client: clientFor(empty, { api: 'v1' }), cacheDir: await tempDir() }),
    ).rejects.toMatchObject({ code: ErrorCodes.INSUFFICIENT_BALANCE });
    expect(empty.ledger.tasksCreated).toBe(0);

    const sim = await start({ account: { balance: 5 } });
    const { summary } = await runJob(swissNumbers(600), {
      client: clientFor(sim, { api: 'v1' }),
      cacheDir: await tempDir(),
    });
    expect(summary).toMatchObject({ numbersCharged: 600, complete: true, balance: { available: 5, allowed: 600 } });
    expect(summary.notes?.join(' ')).toMatch(/No price per number given .*not compared with the cost/);
  });

  test("a daily limit caps this run's upload; the rest is daily_limit_reached", async () => {
    const sim = await start({ account: { dailyLimit: 0.07 } });
    const numbers = swissNumbers(1200);
    const { results, summary } = await runJob(numbers, {
      client: clientFor(sim, { api: 'v1' }),
      cacheDir: await tempDir(),
      pricePerNumber: 0.0001,
    });
    expect(sim.ledger.numbersCharged).toBe(700);
    expect(summary).toMatchObject({
      numbersCharged: 700,
      unansweredByReason: { daily_limit_reached: 500 },
      balance: { dailyLeft: 0.07, allowed: 700 },
    });
    expect(results.filter((r) => r.reason === 'daily_limit_reached').map((r) => r.number)).toEqual(numbers.slice(700));
  });

  test('a 402 mid-job stops new creates, collects the tasks in flight, reports the rest insufficient_balance', async () => {
    // 0.1 USD pays for two tasks of 500 at the simulator's 0.0001 per number; the third answers 402.
    const sim = await start({ account: { balance: 0.1 } });
    const { results, summary } = await runJob(swissNumbers(2000), {
      client: clientFor(sim, { api: 'v1' }),
      cacheDir: await tempDir(),
    });
    expect(sim.ledger.numbersCharged).toBe(1000);
    expect(sim.ledger.snapshot().freeErrors).toEqual({ 402: 1 });
    expect(summary).toMatchObject({
      numbersCharged: 1000,
      answeredByApi: 1000,
      complete: false,
      finished: true,
      unansweredByReason: { insufficient_balance: 1000 },
    });
    expect(summary.taskErrors.map((e) => e.code)).toEqual([ErrorCodes.INSUFFICIENT_BALANCE]);
    expect(results.filter((r) => r.source === 'api')).toHaveLength(1000);
  });

  test('the legacy API has no balance to read: nothing is asked', async () => {
    const sim = await start();
    const { summary } = await runJob(swissNumbers(50), { client: clientFor(sim), cacheDir: await tempDir() });
    expect(sim.ledger.balanceReads).toBe(0);
    expect(summary.balance).toBeUndefined();
    expect(summary.complete).toBe(true);
  });
});
