import { closeSync, createWriteStream, fdatasync, openSync, type WriteStream, write } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { StreamSink } from '../src/output/stream-sink.js';
import { type SyncFile, WriteBehind } from '../src/output/write-behind.js';
import { isFileWriteError } from '../src/output/write-results.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

/** The real fdatasync, recorded: how much was written when each began, and how many ran at once. */
function recordedSync(fail = false) {
  const calls: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  let written = () => 0;
  const sync: SyncFile = (fd, done) => {
    calls.push(written());
    mostAtOnce = Math.max(mostAtOnce, ++running);
    fdatasync(fd, (error) => {
      running--;
      done(fail ? Object.assign(new Error('EIO'), { code: 'EIO' }) : error);
    });
  };
  return {
    sync,
    calls,
    running: () => running,
    mostAtOnce: () => mostAtOnce,
    follow: (f: () => number) => (written = f),
  };
}

async function writeChunks(path: string, record: ReturnType<typeof recordedSync>, everyBytes: number) {
  const stream = createWriteStream(path, { flags: 'wx' });
  record.follow(() => stream.bytesWritten);
  const behind = new WriteBehind(stream, { everyBytes, sync: record.sync });
  const sink = new StreamSink(stream, { afterWrite: () => behind.written() });
  const chunks: string[] = [];
  for (let i = 0; i < 40; i++) {
    const chunk = `${String(i).padStart(3, '0')}${'x'.repeat(596)}\n`;
    chunks.push(chunk);
    await sink.write(chunk);
    // let the pool finish writes now and then, as a job's batches do
    if (i % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await behind.stop();
  const runningAfterStop = record.running();
  const callsAtStop = record.calls.length;
  behind.written(); // none after stop
  await sink.end();
  return { text: chunks.join(''), runningAfterStop, callsAtStop };
}

test('WriteBehind - syncs a file as it grows, one sync at a time, each after enough new bytes, none after stop()', async () => {
  const path = join(await tempDir(), 'out.csv');
  const record = recordedSync();
  const { text, runningAfterStop, callsAtStop } = await writeChunks(path, record, 3000);
  expect(await readFile(path, 'utf8')).toBe(text);
  // 24,000 bytes, a sync each 3,000 or more: several, never two at once
  expect(record.calls.length).toBeGreaterThanOrEqual(3);
  expect(record.calls.length).toBeLessThanOrEqual(8);
  expect(record.mostAtOnce()).toBe(1);
  for (let i = 1; i < record.calls.length; i++)
    expect(record.calls[i]! - record.calls[i - 1]!).toBeGreaterThanOrEqual(3000);
  expect(record.calls[0]).toBeGreaterThanOrEqual(3000);
  // stop() waited for the sync under way, and started none after
  expect(runningAfterStop).toBe(0);
  expect(record.calls.length).toBe(callsAtStop);
});

test('WriteBehind - a sync that fails fails the file: the next write and stop() reject with its error', async () => {
  const path = join(await tempDir(), 'out.csv');
  const record = recordedSync(true);
  const stream = createWriteStream(path, { flags: 'wx' });
  record.follow(() => stream.bytesWritten);
  const behind = new WriteBehind(stream, { everyBytes: 1000, sync: record.sync });
  const sink = new StreamSink(stream, { afterWrite: () => behind.written() });
  // writes go on until the failed sync has called back; then the next write rejects
  let failedAt: unknown;
  for (let i = 0; i < 200 && failedAt === undefined; i++) {
    await sink.write('x'.repeat(600)).catch((error: unknown) => (failedAt = error));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  expect(failedAt).toMatchObject({ code: 'EIO' });
  expect(record.calls).toHaveLength(1);
  await expect(behind.stop()).rejects.toMatchObject({ code: 'EIO' });
  await sink.abandon();
});

/** Writes `bytes` bytes to `stream` and waits until they are handed to the file. */
function written(stream: WriteStream, bytes: number): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.write('x'.repeat(bytes), (error) => (error ? reject(error) : resolve())),
  );
}

/** A new file's stream, and a WriteBehind that syncs it each 100 bytes through syncInto(started). */
async function syncedEach100Bytes(started: number[]): Promise<{ stream: WriteStream; behind: WriteBehind }> {
  const stream = createWriteStream(join(await tempDir(), 'out.csv'), { flags: 'wx' });
  return { stream, behind: new WriteBehind(stream, { everyBytes: 100, sync: syncInto(started) }) };
}

async function stopAndEnd({ stream, behind }: { stream: WriteStream; behind: WriteBehind }): Promise<void> {
  await behind.stop();
  await new Promise((resolve) => stream.end(resolve));
}

/** A sync that succeeds at once and notes each descriptor it was asked to sync in `started`. */
function syncInto(started: number[]): SyncFile {
  return (fd, done) => {
    started.push(fd);
    done(null);
  };
}

test('WriteBehind - starts no sync on a stream that closed itself after a failed write', async () => {
  const started: number[] = [];
  const { stream, behind } = await syncedEach100Bytes(started);
  await written(stream, 150);
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  stream.destroy();
  behind.written();
  expect(started).toHaveLength(0);
  await closed;
  await behind.stop();
  // for contrast, a stream still open: a sync starts
  const other = await syncedEach100Bytes(started);
  await written(other.stream, 150);
  other.behind.written();
  expect(started).toHaveLength(1);
  await stopAndEnd(other);
});

test('WriteBehind - stop() waits for the sync under way (the file must not be closed under it)', async () => {
  const stream = createWriteStream(join(await tempDir(), 'out.csv'), { flags: 'wx' });
  let release = () => {};
  const started: number[] = [];
  const behind = new WriteBehind(stream, {
    everyBytes: 100,
    sync: (fd, done) => {
      started.push(fd);
      release = () => done(null);
    },
  });
  await written(stream, 150);
  behind.written();
  expect(started).toHaveLength(1);
  behind.written(); // one at a time
  expect(started).toHaveLength(1);
  let stopped = false;
  const stopping = behind.stop().then(() => (stopped = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(stopped).toBe(false);
  release();
  await stopping;
  expect(stopped).toBe(true);
  await new Promise((resolve) => stream.end(resolve));
});

test('WriteBehind - a sync that calls back at once does not stop the syncs after it', async () => {
  const started: number[] = [];
  const file = await syncedEach100Bytes(started);
  for (let i = 0; i < 4; i++) {
    await written(file.stream, 150);
    file.behind.written();
  }
  expect(started).toHaveLength(4);
  await stopAndEnd(file);
});

test('isFileWriteError - a file write or sync that failed, by real syscalls; not other errors', async () => {
  const full = openSync('/dev/full', 'w');
  const writeError = await new Promise<unknown>((resolve) => write(full, Buffer.from('x'), (error) => resolve(error)));
  closeSync(full);
  expect(writeError).toMatchObject({ code: 'ENOSPC', syscall: 'write' });
  expect(isFileWriteError(writeError)).toBe(true);
  const closed = openSync(join(await tempDir(), 'x'), 'w');
  closeSync(closed);
  const syncError = await new Promise<unknown>((resolve) => fdatasync(closed, (error) => resolve(error)));
  expect(syncError).toMatchObject({ code: 'EBADF', syscall: 'fdatasync' });
  expect(isFileWriteError(syncError)).toBe(true);
  const readError = await readFile(join(await tempDir(), 'missing')).catch((error: unknown) => error);
  expect(isFileWriteError(readError)).toBe(false);
  expect(isFileWriteError(new Error('provider down'))).toBe(false);
  expect(isFileWriteError(undefined)).toBe(false);
});
