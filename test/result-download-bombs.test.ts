import { afterEach, describe, expect, test } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WaClient } from '../src/api/client.js';
import type { ProviderTask } from '../src/api/task.js';
import { ErrorCodes, WaError } from '../src/errors.js';
import {
  type BombPart,
  bombPart,
  SHEET_HEAD,
  SHEET_PART,
  SHEET_TAIL,
  writeBombWorkbook,
} from './helpers/result-files.js';
import { useTempDirs } from './helpers/temp-dir.js';

// The client's whole download path (loopback HTTP, temp folder, reader) against bombs: each is
// a typed error before anything is reconciled (so nothing can be cached from it), and the
// download folder is gone afterwards.

const tempDir = useTempDirs();
const servers: Server[] = [];
const savedTmp = process.env.TMPDIR;
afterEach(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(bytes: Buffer): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    response.end(bytes);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/result.xlsx?sig=abc`;
}

function exported(resultUrl: string): ProviderTask {
  return {
    taskId: 't1',
    userId: 'me',
    status: 'exported',
    total: 1,
    success: 1,
    failure: 0,
    createdAt: '',
    updatedAt: '',
    resultUrl,
  };
}

describe('collectResults() - result-file bombs over HTTP', () => {
  test.each<[string, () => BombPart, string]>([
    [
      'a sheet that lies about its size',
      () => ({ ...bombPart(SHEET_PART, SHEET_HEAD, ' ', 100_000_000, SHEET_TAIL), declaredSize: 4000 }),
      ErrorCodes.RESULT_INVALID,
    ],
    [
      'an element flood in the rows',
      () => bombPart(SHEET_PART, SHEET_HEAD, '<x/>', 10_000_000, SHEET_TAIL),
      ErrorCodes.RESULT_INVALID,
    ],
    [
      'one endless cell',
      () => bombPart(SHEET_PART, `${SHEET_HEAD}<row><c t="inlineStr"><is><t>`, 'A', 100_000_000, ''),
      ErrorCodes.RESULT_INVALID,
    ],
  ])('%s: a typed error, nothing reconciled, no folder left', async (_name, build, code) => {
    const dir = await tempDir();
    await writeBombWorkbook(join(dir, 'bomb.xlsx'), build());
    const url = await serve(await readFile(join(dir, 'bomb.xlsx')));
    const downloads = await tempDir();
    process.env.TMPDIR = downloads;
    const client = new WaClient({
      apiUrl: 'http://127.0.0.1:1',
      apiKey: 'key',
      userId: 'me',
      retry: { retries: 0 },
    });
    let error: unknown;
    await client.collectResults(exported(url), ['+41798284651']).catch((caught: unknown) => {
      error = caught;
    });
    expect(error).toBeInstanceOf(WaError);
    expect((error as WaError).code).toBe(code);
    expect(await readdir(downloads)).toEqual([]);
  });
});
