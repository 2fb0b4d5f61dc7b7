import type { Redis } from 'ioredis';
import { ErrorCodes, WaError } from '../../errors.js';

/**
 * Whether a Redis server can hold money records: the task journal (what was sent and paid for)
 * and the answers (losing one means paying for it again).
 *
 * Required: `appendonly yes` with `appendfsync always`, and no eviction of keys without a TTL.
 * - `always` fsyncs the append-only file before a write is answered, so a write that resolved
 *   survives a crash of Redis or of its machine. Its cost is a disk sync per event-loop turn of
 *   the server (writes arriving together share one): a few ms per journal write, nothing next to
 *   a task that runs for minutes.
 * - `everysec` (Redis's default for AOF) is refused: a power cut or kernel crash loses up to about
 *   two seconds of acknowledged writes. The one write that matters most, `uploading` right
 *   before a create, is exactly such a write; lose it together with the worker (one power cut on
 *   a shared rack) and the numbers are uploaded, and paid for, again.
 * - RDB snapshots alone (`appendonly no`) lose minutes: refused.
 * - `maxmemory-policy allkeys-*` may evict journal and answer keys (they have no TTL) when memory
 *   runs out: refused. `noeviction` and `volatile-*` never touch them.
 * Not checked, and so a deployment note: replication is asynchronous, so a failover to a replica
 * can lose acknowledged writes. Run the fleet's Redis without automatic failover, or accept it.
 *
 * Managed services often disable CONFIG; then the settings cannot be read and this refuses too.
 * `requireDurability: false` skips the check: for tests, or for an operator who has checked the
 * server's settings some other way.
 */
export async function assertDurable(client: Redis, where: string, what: string): Promise<void> {
  let settings: Map<string, string>;
  try {
    const reply = (await client.config('GET', 'appendonly', 'appendfsync', 'maxmemory-policy')) as string[];
    settings = new Map();
    for (let i = 0; i + 1 < reply.length; i += 2) settings.set(reply[i]!, reply[i + 1]!);
  } catch (cause) {
    throw notDurable(
      where,
      what,
      `its persistence settings cannot be read (CONFIG GET answered: ${(cause as Error).message})`,
      cause,
    );
  }
  const problems: string[] = [];
  if (settings.get('appendonly') !== 'yes') problems.push(`appendonly is '${settings.get('appendonly')}', not 'yes'`);
  else if (settings.get('appendfsync') !== 'always')
    problems.push(`appendfsync is '${settings.get('appendfsync')}', not 'always'`);
  if (settings.get('maxmemory-policy')?.startsWith('allkeys-'))
    problems.push(`maxmemory-policy '${settings.get('maxmemory-policy')}' may evict them`);
  if (problems.length > 0) throw notDurable(where, what, problems.join('; '));
}

function notDurable(where: string, what: string, problem: string, cause?: unknown): WaError {
  return new WaError(
    ErrorCodes.REDIS_NOT_DURABLE,
    `Redis at ${where} cannot keep ${what} safe across a crash: ${problem}. Set \`appendonly yes\`, \`appendfsync always\` and a maxmemory-policy of noeviction (or volatile-*), or pass requireDurability: false if you have made sure of it another way.`,
    cause === undefined ? {} : { cause },
  );
}
