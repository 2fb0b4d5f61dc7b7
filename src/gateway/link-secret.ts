import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const SECRET_FILE = 'gateway-link-secret';
const SECRET_BYTES = 32;

/**
 * The secret result links are signed with, kept in the cache folder (owner-only) so that a link
 * given out before a restart still works after it, as the provider's links outlive its deploys.
 */
export async function loadLinkSecret(cacheDir: string): Promise<Buffer> {
  const path = join(cacheDir, SECRET_FILE);
  try {
    const kept = await readFile(path);
    if (kept.length === SECRET_BYTES) return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(SECRET_BYTES);
  const file = await open(path, 'w', 0o600);
  try {
    await file.writeFile(secret);
    await file.sync();
  } finally {
    await file.close();
  }
  return secret;
}
