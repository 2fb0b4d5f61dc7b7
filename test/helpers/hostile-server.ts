import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface HostileServer {
  url: string;
  /** Requests seen, by method and path. */
  requests: string[];
}

/**
 * For a test file: `serve(handler)` starts a loopback HTTP server that answers as `handler`
 * says (a provider at its worst), closed after each test.
 */
export function useHostileServers() {
  const servers: Array<ReturnType<typeof createServer>> = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return async (handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<HostileServer> => {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      // Drain the upload first, as a server does before it answers.
      request.resume();
      request.on('end', () => handler(request, response));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
  };
}

/** Answers `status` with a JSON body and extra headers. */
export function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** A legacy task object at the given status and counters. */
export function taskBody(taskId: string, status: string, total: number, done: number) {
  const at = '2026-11-30T12:00:00.123Z';
  return { created_at: at, updated_at: at, task_id: taskId, user_id: 'test', status, total, success: done, failure: 0 };
}
