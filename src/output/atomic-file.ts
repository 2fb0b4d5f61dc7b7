import { randomBytes } from 'node:crypto';
import { linkSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
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
