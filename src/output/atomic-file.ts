import { randomBytes } from 'node:crypto';
import { linkSync, rmSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * A file written under a temporary name beside its target and moved over it only when complete,
 * so a reader never sees half a file and a failed write leaves the old file as it was. The rename
 * is atomic because the temporary file is in the target's own folder (same file system).
 */
export class AtomicFile {
  /** Where to write; hidden, beside the target. */
  readonly tempPath: string;
  readonly target: string;
  #settled = false;

  constructor(target: string) {
    this.target = target;
    this.tempPath = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  }

  /**
   * Removes temporary files of this target left by processes that no longer run (a SIGKILL, a
   * power cut): nothing else would ever remove them, and their names say whose they were.
   */
  async removeStale(): Promise<void> {
    const folder = dirname(this.target);
    const prefix = `.${basename(this.target)}.`;
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const pid = /^(\d+)-[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1];
      if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
      await rm(join(folder, name), { force: true });
    }
  }

  /** Moves the written file over the target. */
  async commit(): Promise<void> {
    this.#settled = true;
    await rename(this.tempPath, this.target);
  }

  /**
   * Keeps what was written under a name that says it is partial (`results.partial.csv` for
   * `results.csv`), never over the target or another file; returns that name. Synchronous, so
   * that it also works on the way out of a process that quits at once (a second Ctrl-C).
   */
  keepPartialSync(): string {
    this.#settled = true;
    const extension = extname(this.target);
    const stem = this.target.slice(0, this.target.length - extension.length);
    for (let attempt = 0; ; attempt++) {
      const path = `${stem}.partial${attempt === 0 ? '' : `-${attempt}`}${extension}`;
      try {
        // link, unlike rename, fails when the name is taken: an earlier partial file is kept too.
        linkSync(this.tempPath, path);
        rmSync(this.tempPath, { force: true });
        return path;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
      }
    }
  }

  /** Removes the temporary file; the target is left as it was. Harmless after commit. */
  async discard(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    await rm(this.tempPath, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process
  }
}
