import { afterEach, expect, test } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WaClient } from '../src/api/client.js';
import { ErrorCodes } from '../src/errors.js';
import { checkNumbers } from '../src/job/check-numbers.js';
import { bombPart, SHEET_HEAD, SHEET_PART, SHEET_TAIL, writeBombWorkbook } from './helpers/result-files.js';
import { useTempDirs } from './helpers/temp-dir.js';

// A whole job whose provider serves a bomb as the result file: the job finishes (no crash),
// reports the typed error, answers nothing from the file, and caches nothing from it, so a
// dry run over the same cache still has every number to check.

const tempDir = useTempDirs();
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A provider (both API dialects' paths) whose every task is exported with `bomb` as its file. */
async function bombingProvider(bomb: Buffer): Promise<string> {
  const task = (base: string, status: string) => ({
    task_id: 'cs9viu7i61pkfs4oavvg',
    user_id: 'me',
    status,
    total: status === 'pending' ? 0 : 3,
    success: status === 'pending' ? 0 : 3,
    failure: 0,
    created_at: '2024-10-19T18:24:56.45Z',
    updated_at: '2024-10-19T18:24:56.45Z',
    ...(status === 'exported' ? { result_url: `${base}/result.xlsx?sig=1` } : {}),
  });
  const server = createServer((request, response) => {
    request.resume();
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const path = request.url ?? '';
    if (path.startsWith('/result.xlsx')) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bomb.length });
      response.end(bomb);
      return;
    }
    const created = request.method === 'POST' && (path === '/wa/api/simple/tasks' || path === '/v1/tasks');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(task(base, created ? 'pending' : 'exported')));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('checkNumbers() - a bomb for a result file: a typed task error, nothing answered, nothing cached', async () => {
  const dir = await tempDir();
  const bombPath = join(dir, 'bomb.xlsx');
  await writeBombWorkbook(bombPath, bombPart(SHEET_PART, SHEET_HEAD, '<x/>', 10_000_000, SHEET_TAIL));
  const apiUrl = await bombingProvider(await readFile(bombPath));
  const input = join(dir, 'numbers.txt');
  await writeFile(input, '+41798284651\n+41798284652\n+41798284653\n');
  const client = new WaClient({
    apiUrl,
    apiKey: 'key',
    userId: 'me',
    retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 },
    poll: { floorMs: 10, ceilingMs: 20, noticeFloorMs: 5 },
  });
  const cacheDir = join(dir, 'cache');
  const job = checkNumbers(input, { client, cacheDir });
  const results = [];
  for await (const result of job) results.push(result);
  const summary = await job.summary;
  expect(results.map((result) => result.whatsapp)).toEqual([null, null, null]);
  expect(summary.answeredByApi).toBe(0);
  expect(summary.taskErrors.map((error) => error.code)).toContain(ErrorCodes.RESULT_INVALID);

  const again = checkNumbers(input, { client, cacheDir, dryRun: true });
  for await (const _ of again) {
    // drained for the summary
  }
  expect((await again.summary).cacheHits).toBe(0);
});
