import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** One API request as the proxy sees it: which call, and how many of that call came before. */
export interface ProxiedCall {
  call: 'create' | 'status' | 'other';
  index: number;
}

/** An answer the proxy gives instead of the simulator's. */
export interface Refusal {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ProviderProxy {
  url: string;
  /** Calls seen, in order. */
  calls: ProxiedCall[];
}

/**
 * For a test file: `proxy(target, refuse)` starts a loopback server in front of a simulator's
 * API that forwards every request, except those `refuse` answers itself (a 429 with a long
 * Retry-After on the second create, say): a provider that misbehaves at one chosen moment.
 * `rewrite` may change a status read's JSON on its way back (a result link that serves junk).
 */
export function useProviderProxies() {
  const servers: Array<ReturnType<typeof createServer>> = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return async (
    target: string,
    refuse: (call: ProxiedCall) => Refusal | undefined,
    rewrite?: (task: Record<string, unknown>, call: ProxiedCall) => Record<string, unknown>,
  ): Promise<ProviderProxy> => {
    const calls: ProxiedCall[] = [];
    const counts = { create: 0, status: 0, other: 0 };
    const server = createServer((request, response) => {
      void forward(request, response);
    });
    async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const path = request.url ?? '/';
      const kind: ProxiedCall['call'] =
        request.method === 'POST' && /\/tasks$/.test(path)
          ? 'create'
          : /\/tasks\/|gettasks/.test(path)
            ? 'status'
            : 'other';
      const call = { call: kind, index: counts[kind]++ };
      calls.push(call);
      const refusal = refuse(call);
      if (refusal) {
        response.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers });
        response.end(JSON.stringify(refusal.body));
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers.set(name, value);
      const answered = await fetch(`${target}${path}`, {
        method: request.method ?? 'GET',
        headers,
        ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
      });
      let text = await answered.text();
      if (rewrite && kind === 'status' && answered.status === 200)
        text = JSON.stringify(rewrite(JSON.parse(text) as Record<string, unknown>, call));
      response.writeHead(answered.status, { 'content-type': answered.headers.get('content-type') ?? 'text/plain' });
      response.end(text);
    }
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
  };
}
