import { expect, test } from 'vitest';
import type { WaClient } from '../src/api/client.js';
import { DEFAULT_MAX_AGE_MS, isFresh } from '../src/store/result-cache.js';
import { type JournalEntry, taskKey } from '../src/store/task-journal.js';
import { NumberClaims, RedisResultCache, RedisTaskJournal, TaskSlots } from '../src/store/redis/index.js';
import { clientFor } from './helpers/clients.js';
import { useFastSimulators } from './helpers/fast-sim.js';
import { useRedisServers } from './helpers/redis-server.js';
import { swissNumbers } from './helpers/sim-http.js';

// The four stores together, in the order the job is to use them (see number-claims.ts), on a
// real Redis and the simulator: a fleet pays for each number once.
const startRedis = useRedisServers();
const { start: startSimulator } = useFastSimulators();

interface Worker {
  cache: RedisResultCache;
  claims: NumberClaims;
  journal: RedisTaskJournal;
  slots: TaskSlots;
  client: WaClient;
}

async function openWorker(url: string, client: WaClient, apiKey: string, leaseMs = 60_000): Promise<Worker> {
  const claims = await NumberClaims.open({ url, leaseMs });
  return {
    cache: await RedisResultCache.open({ url }),
    claims,
    // Given the claims, the journal pins a task's numbers as it records the upload, and
    // releases them as it records the task done.
    journal: await RedisTaskJournal.open({ url, apiKey, leaseMs, claims }),
    slots: await TaskSlots.open({ url, apiKey, limit: 2, retryMs: 10 }),
    client,
  };
}

async function closeWorker(worker: Worker): Promise<void> {
  await Promise.all([worker.cache.close(), worker.claims.close(), worker.journal.close(), worker.slots.close()]);
}

function journalEntry(numbers: string[], state: JournalEntry['state'], taskId?: string): JournalEntry {
  return { id: taskKey(numbers), state, numbers, count: numbers.length, taskId, updatedAt: Date.now() };
}

/** Claimed numbers through one task, recorded as the job records them. */
async function submit(worker: Worker, numbers: string[]): Promise<JournalEntry> {
  const prepared = journalEntry(numbers, 'prepared');
  await worker.journal.write(prepared);
  await worker.journal.write({ ...prepared, state: 'uploading' });
  const task = await worker.client.createTask(numbers);
  const submitted = journalEntry(numbers, 'submitted', task.taskId);
  await worker.journal.write(submitted);
  return submitted;
}

async function collect(worker: Worker, entry: JournalEntry): Promise<void> {
  const exported = await worker.client.waitForTask(entry.taskId!, { expectedTotal: entry.numbers.length });
  const result = await worker.client.collectResults(exported, entry.numbers);
  const checkedAt = Date.now();
  await worker.cache.putMany([...result.answered].map(([number, whatsapp]) => [number, { whatsapp, checkedAt }]));
  await worker.journal.write({ ...entry, state: 'done', numbers: [] });
}

/** One worker's check of a list: cache, claim, its own task in a slot, then the others' answers. */
async function check(worker: Worker, numbers: string[]): Promise<Map<string, string>> {
  const answers = new Map<string, string>();
  const cached = await worker.cache.getMany(numbers);
  const misses = numbers.filter((number, i) => {
    const answer = cached[i];
    if (isFresh(answer, DEFAULT_MAX_AGE_MS, Date.now())) answers.set(number, answer.whatsapp);
    return !answers.has(number);
  });
  const mine = await worker.claims.claimUnanswered(misses, worker.cache, DEFAULT_MAX_AGE_MS);
  for (const [number, answer] of mine.answered) answers.set(number, answer.whatsapp);
  if (mine.claimed.length > 0) {
    const slot = await worker.slots.acquire();
    try {
      await collect(worker, await submit(worker, mine.claimed));
    } finally {
      await slot.release();
    }
  }
  const theirs = await worker.claims.awaitOthers(mine.taken, worker.cache, {
    maxAgeMs: DEFAULT_MAX_AGE_MS,
    pollMs: 10,
    journal: worker.journal,
  });
  expect(theirs.unconfirmed).toEqual([]);
  expect(theirs.claimed).toEqual([]); // no worker died here: nothing lapsed
  for (const [number, answer] of theirs.answered) answers.set(number, answer.whatsapp);
  const paid = await worker.cache.getMany(mine.claimed);
  mine.claimed.forEach((number, i) => {
    answers.set(number, paid[i]!.whatsapp);
  });
  return answers;
}

test('a fleet of three workers on overlapping lists pays for each number once, and all agree', async () => {
  const redis = await startRedis();
  const sim = await startSimulator();
  const workers = await Promise.all(Array.from({ length: 3 }, () => openWorker(redis.url, clientFor(sim), sim.apiKey)));
  const lists = [swissNumbers(300, 0), swissNumbers(300, 150), swissNumbers(300, 100)];
  const answers = await Promise.all(workers.map((worker, i) => check(worker, lists[i]!)));
  expect(sim.ledger.numbersCharged).toBe(450);
  expect(sim.ledger.doubleCharged()).toEqual({});
  answers.forEach((found) => {
    expect(found.size).toBe(300);
    for (const [number, answer] of found) expect(answers.find((other) => other.has(number))!.get(number)).toBe(answer);
  });
  await Promise.all(workers.map(closeWorker));
});

test('a worker that dies after its upload: another adopts and collects the task, a third waits for it; paid once', async () => {
  const redis = await startRedis();
  const sim = await startSimulator();
  const numbers = swissNumbers(200, 5000);
  const dying = await openWorker(redis.url, clientFor(sim), sim.apiKey, 1_000);
  expect((await dying.claims.claim(numbers)).claimed).toHaveLength(200);
  const submitted = await submit(dying, numbers);
  // It dies: no release, no renewals, no journal close.
  await Promise.all([dying.journal.abandon(), dying.claims.close(), dying.cache.close(), dying.slots.close()]);

  const waiter = await openWorker(redis.url, clientFor(sim), sim.apiKey);
  const waiting = check(waiter, numbers);
  const adopter = await openWorker(redis.url, clientFor(sim), sim.apiKey);
  let adopted: JournalEntry[] = [];
  while (adopted.length === 0) {
    adopted = await adopter.journal.open();
    if (adopted.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(adopted).toEqual([{ ...submitted, updatedAt: adopted[0]!.updatedAt }]);
  await collect(adopter, adopted[0]!);
  const answers = await waiting;
  expect(answers.size).toBe(200);
  // The pins went with the task's `done`: the numbers are free to be checked again one day.
  expect(new Set(await adopter.claims.holders(numbers))).toEqual(new Set([undefined]));
  expect(sim.ledger.numbersCharged).toBe(200);
  expect(sim.ledger.doubleCharged()).toEqual({});
  await Promise.all([closeWorker(waiter), closeWorker(adopter)]);
});
