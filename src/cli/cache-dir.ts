import { homedir } from 'node:os';
import { join } from 'node:path';

/** The user's cache folder for wa-check, per platform convention. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'wa-check');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'wa-check');
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'wa-check', 'Cache');
  return join(homedir(), '.cache', 'wa-check');
}
