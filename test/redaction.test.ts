import { afterEach, describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { WaClient } from '../src/api/client.js';
import { readText, sendRequest } from '../src/api/http.js';
import { REDACTED, redactSecrets } from '../src/api/redact.js';
import { isLoopbackHost, requireSecureUrl } from '../src/api/url-policy.js';
import { ErrorCodes, WaError } from '../src/errors.js';
import { runCli } from './helpers/cli.js';
import { useTempDirs } from './helpers/temp-dir.js';
import { rejection } from './helpers/expectations.js';

// A key with characters that change under URL and JSON encoding, so every spelling is exercised.
const KEY = 'SEKRET-9f3a/b+c d&e="k"';
const SPELLINGS = [
  KEY,
  encodeURIComponent(KEY),
  encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  encodeURIComponent(KEY).replace(/%20/g, '+'),
  JSON.stringify(KEY).slice(1, -1),
];
const tempDir = useTempDirs();

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A hostile provider: it answers every request by echoing the key it was sent, in body and headers. */
async function echoingServer(
  answer: (request: IncomingMessage, response: ServerResponse, key: string, base: string) => void,
): Promise<string> {
  const server = createServer((request, response) => {
    const key = String(request.headers['x-api-key'] ?? KEY);
    response.setHeader('x-echo', encodeURIComponent(key));
    answer(request, response, key, base);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

function expectNoKey(text: string): void {
  for (const spelling of SPELLINGS) expect(text).not.toContain(spelling);
  expect(text).not.toContain('SEKRET');
}

function everythingShown(error: unknown): string {
  return `${String(error)}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
}

const client = (apiUrl: string) =>
  new WaClient({ apiUrl, apiKey: KEY, userId: 'me', retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 } });

describe('redactSecrets()', () => {
  test('removes every spelling, and a cut-off beginning only when the text was cut', () => {
    for (const spelling of SPELLINGS) expect(redactSecrets(`a ${spelling} b`, [KEY])).toBe(`a ${REDACTED} b`);
    expect(redactSecrets('key SEKRET-9f', [KEY], true)).toBe(`key ${REDACTED}`);
    expect(redactSecrets('key SEKRET-9f', [KEY], false)).toBe('key SEKRET-9f');
    expect(redactSecrets('nothing here', [KEY], true)).toBe('nothing here');
  });
});

describe('a provider that echoes the key', () => {
  test('an error body and headers with the key: no spelling of it in the error', async () => {
    for (const [status, code] of [
      [401, ErrorCodes.UNAUTHORIZED],
      [400, ErrorCodes.BAD_REQUEST],
      [402, ErrorCodes.INSUFFICIENT_BALANCE],
    ] as const) {
      const base = await echoingServer((_request, response, key) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `invalid api key ${key} for user (${encodeURIComponent(key)})` }));
      });
      const error = await rejection(client(base).createTask(['+41798284651']));
      expect(error.code).toBe(code);
      expect(error.message).toContain(REDACTED);
      expectNoKey(everythingShown(error));
    }
  });

  test('a 200 that is not a task, echoing the key: WA_BAD_RESPONSE without it', async () => {
    const base = await echoingServer((_request, response, key) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<html>hello ${key}</html>`);
    });
    const error = await rejection(client(base).getTask('abc'));
    expect(error.code).toBe(ErrorCodes.BAD_RESPONSE);
    expectNoKey(everythingShown(error));
  });

  test('a long body that is not JSON, with the key in its excerpt: not shown', async () => {
    const base = await echoingServer((_request, response, key) => {
      response.writeHead(500);
      response.end(`upstream said: ${key} ${'x'.repeat(2 * 1024 * 1024)}`);
    });
    const error = await rejection(client(base).getTask('abc'));
    expect(error.code).toBe(ErrorCodes.SERVER_ERROR);
    expect(error.bodyExcerpt).toContain(REDACTED);
    expectNoKey(everythingShown(error));
  });

  test('a result link whose host echoes the key: not in the download error', async () => {
    const base = await echoingServer((request, response, _key) => {
      response.writeHead(request.url?.startsWith('/html') ? 200 : 500, { 'content-type': 'text/html' });
      response.end(`<html>the key is ${KEY} / ${encodeURIComponent(KEY)}</html>`);
    });
    for (const path of ['/html', '/error']) {
      const task = {
        taskId: 't',
        userId: 'me',
        status: 'exported' as const,
        total: 1,
        success: 1,
        failure: 0,
        createdAt: '',
        updatedAt: '',
        resultUrl: `${base}${path}`,
      };
      const error = await rejection(client(base).collectResults(task, ['+41798284651']));
      expectNoKey(everythingShown(error));
    }
  });

  test('wa-check: the key echoed in a 401 never reaches stderr', async () => {
    const base = await echoingServer((_request, response, key) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `invalid api key ${key} for user` }));
    });
    const dir = await tempDir();
    const input = join(dir, 'numbers.txt');
    await writeFile(input, '+41798284651\n+41798284652\n');
    const run = await runCli(['check', input, '--api-url', base, '--user-id', 'me', '--cache', join(dir, 'cache')], {
      WA_CHECK_API_KEY: KEY,
    });
    expect(run.stderr).toContain('WA_UNAUTHORIZED');
    expectNoKey(run.stderr);
    expectNoKey(run.stdout);
  });
});

describe('sendRequest()', () => {
  test('headers that echo the credential header come back scrubbed, and so does the body', async () => {
    const base = await echoingServer((_request, response, key) => {
      response.setHeader('x-debug', [`key=${key}`, 'other']);
      response.writeHead(418);
      response.end(`your key: ${key}`);
    });
    const response = await sendRequest({
      method: 'GET',
      url: new URL(base),
      headers: { 'x-api-key': KEY },
      timeoutMs: 5000,
      what: 'probe',
    });
    expect(response.headers['x-echo']).toBe(REDACTED);
    expect(response.headers['x-debug']).toBe(`key=${REDACTED}, other`);
    expect(await readText(response, 'probe')).toBe(`your key: ${REDACTED}`);
  });
});

describe('isLoopbackHost()', () => {
  test('only literal loopback counts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.255.0.9', '[::1]', 'LOCALHOST']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ['evil.localhost', 'a.b.localhost', 'localhost.', 'localhost.example.com', '128.0.0.1', '::2']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
    expect(() => requireSecureUrl('http://api.localhost:8080/', 'API URL')).toThrow(WaError);
    expect(requireSecureUrl('http://localhost:8080/', 'API URL').hostname).toBe('localhost');
  });
});
