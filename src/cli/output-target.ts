import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './flags.js';

/**
 * Checks that a file can be written at `path` before the job reads, looks up or pays for anything:
 * its folder exists and is writable, it is not a folder, not read-only, and not the input itself
 * (same path, or the same file under another name: a link). `what` names the option in messages.
 */
export async function checkOutputPath(path: string, what: string, input?: string): Promise<void> {
  const folder = dirname(resolve(path));
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat) throw new UsageError(`${what} '${path}': the folder '${folder}' does not exist.`);
  if (!folderStat.isDirectory()) throw new UsageError(`${what} '${path}': '${folder}' is not a folder.`);
  if (!(await isAccessible(folder, constants.W_OK | constants.X_OK)))
    throw new UsageError(`${what} '${path}': the folder '${folder}' is not writable.`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${what} '${path}' is a folder; name a file in it.`);
  if (existing && !(await isAccessible(path, constants.W_OK)))
    throw new UsageError(`${what} '${path}' is read-only; it is left as it is.`);
  if (input === undefined || input === '-') return;
  const inputStat = await stat(input).catch(() => undefined);
  const sameFile = existing && inputStat && existing.dev === inputStat.dev && existing.ino === inputStat.ino;
  if (resolve(path) === resolve(input) || sameFile)
    throw new UsageError(`${what} '${path}' is the input file: writing there would destroy it. Name another file.`);
}

async function isAccessible(path: string, mode: number): Promise<boolean> {
  return access(path, mode).then(
    () => true,
    () => false,
  );
}
