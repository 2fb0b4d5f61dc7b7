import { once } from 'node:events';
import { createServer } from 'node:net';

/** A loopback port nothing listens on now (it was free a moment ago): for a server to start on, or a closed port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no loopback port');
  return address.port;
}
