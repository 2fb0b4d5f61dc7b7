import type { CheckOptions } from '../job/options.js';
import { defaultCacheDir } from './cache-dir.js';
import { UsageError } from './flags.js';

/**
 * `--cache`: a folder (LevelDB, one machine), or `redis://host:port/db` / `rediss://` (a fleet
 * of workers on one Redis). A Redis URL may end in `?lease-ms=<n>`: how long a dead worker's
 * claims, slots and tasks stay its own (default 60000). The password (in the URL or
 * `WA_CHECK_REDIS_PASSWORD`) is never printed.
 */
export function cacheOption(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): Pick<CheckOptions, 'cacheDir' | 'redis'> {
  if (flag === undefined || !/^rediss?:\/\//i.test(flag)) return { cacheDir: flag ?? defaultCacheDir(env) };
  let url: URL;
  try {
    url = new URL(flag);
  } catch {
    // Not echoed: the URL may hold a password.
    throw new UsageError('--cache: not a valid redis:// or rediss:// URL (redis://[:password@]host:port/db).');
  }
  const lease = url.searchParams.get('lease-ms');
  const leaseMs = lease === null ? undefined : Number(lease);
  if (leaseMs !== undefined && !(Number.isInteger(leaseMs) && leaseMs > 0))
    throw new UsageError(`--cache: lease-ms takes a positive whole number of milliseconds, got '${lease}'.`);
  url.search = '';
  return { redis: { url: url.href, leaseMs, env } };
}
