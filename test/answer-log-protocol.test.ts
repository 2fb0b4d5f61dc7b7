import { expect, test } from 'vitest';
import { join } from 'node:path';
import { ANSWER_LOG_FILE, AnswerLog, markerText, parseMarker, type LogMarker } from '../src/store/answer-log.js';
import type { AnswerBatch, CachedAnswer } from '../src/store/result-cache.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();
const at = Date.UTC(2026, 10, 1, 12, 0, 0);

function answers(count: number, from: number, checkedAt: number): Array<[string, CachedAnswer]> {
  return Array.from({ length: count }, (_, i) => [`+4178${from + i}`, { whatsapp: i % 2 ? 'yes' : 'no', checkedAt }]);
}

async function readAll(log: AnswerLog): Promise<string[]> {
  const read = log.read();
  expect(read, 'a log to read').toBeDefined();
  const found: string[] = [];
  for await (const batch of read as AsyncGenerator<AnswerBatch>)
    for (let i = 0; i < batch.length; i++) found.push(`+${batch.keys[i]}=${batch.yes[i] ? 'yes' : 'no'}`);
  return found;
}

/** A log started empty and committed, as a new cache folder makes one. */
async function newLog(): Promise<AnswerLog> {
  const log = new AnswerLog(join(await tempDir(), ANSWER_LOG_FILE));
  log.committed(await log.startEmpty());
  return log;
}

test('AnswerLog - appended and committed records read back newest first', async () => {
  const log = await newLog();
  log.committed(await log.append(answers(3, 1000, at), async () => 0));
  log.committed(await log.append([['+41781000', { whatsapp: 'yes', checkedAt: at + 1000 }]], async () => 1));
  expect(await readAll(log)).toEqual(['+41781000=yes', '+41781002=no', '+41781001=yes', '+41781000=no']);
  expect(log.stats).toEqual({ records: 4, superseded: 1 });
});

test('AnswerLog.adopt() - trusts only the records a stored marker names', async () => {
  const log = await newLog();
  const committed = await log.append(answers(5, 2000, at), async () => 0);
  log.committed(committed);
  // Written but never committed: a crash before the database took the marker.
  expect(await log.append(answers(5, 3000, at), async () => 0)).toMatchObject({ count: 10 });
  const reopened = new AnswerLog(log.path);
  expect(await reopened.adopt(markerText(committed!))).toBe(true);
  expect(await readAll(reopened)).toHaveLength(5);
  expect(await reopened.adopt(undefined)).toBe(false);
  expect(reopened.read()).toBeUndefined();
  const foreign: LogMarker = { ...committed!, token: 'f'.repeat(32) };
  expect(await new AnswerLog(log.path).adopt(markerText(foreign))).toBe(false);
  expect(await new AnswerLog(log.path).adopt(markerText({ ...committed!, count: 11 }))).toBe(false);
});

test('AnswerLog.append() - an answer older than the log holds returns no marker: the log is dropped', async () => {
  const log = await newLog();
  log.committed(await log.append(answers(2, 4000, at + 60_000), async () => 0));
  expect(await log.append(answers(1, 5000, at), async () => 0)).toBeUndefined();
});

test('AnswerLog.read() - a log mostly of superseded records is not read (the database is, which rewrites it)', async () => {
  const log = await newLog();
  const marker = parseMarker(`${'a'.repeat(32)}:200000:${at / 1000}:100001`)!;
  log.committed(marker);
  expect(log.read()).toBeUndefined();
  log.committed({ ...marker, superseded: 100_000 });
  expect(log.read()).toBeDefined();
});
