import { fdatasync, type WriteStream } from 'node:fs';

/** How often a file being written is synced: 32 MiB (a 2M-row CRM result is ~172 MB). */
const SYNC_EVERY_BYTES = 32 * 1024 * 1024;

/** fdatasync's shape, so that a test can count the calls. */
export type SyncFile = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

/**
 * Writes a file's data to disk behind its writer: an `fdatasync` on a pool thread each
 * SYNC_EVERY_BYTES written, one at a time, while the writer goes on.
 *
 * Why: our files are written beside their target and renamed over it (atomic-file.ts). Renaming
 * over an existing file makes ext4 allocate and start writing the new file's unwritten data in
 * the rename itself (`auto_da_alloc`, so that a crash leaves the old file or the new one): ~70 ms
 * for a 172 MB result, at the job's very end, when nothing else runs. Synced as it grows, the
 * rename has only the last part left (the 2M CRM warm run's rename: ~110 -> ~40 ms; the syncs run
 * on a pool thread during the job). Elsewhere it costs a sync per 32 MiB on a pool thread.
 *
 * A sync that fails fails the file: on NFS, FUSE or CIFS a failed write-back may be reported only
 * to that sync and never again at close, so going on could rename a damaged file over a good one.
 * The error is thrown at the next write and by stop(), and the caller discards the file.
 */
export class WriteBehind {
  readonly #stream: WriteStream;
  readonly #sync: SyncFile;
  readonly #everyBytes: number;
  /** The file's descriptor, once the stream has opened it. */
  #fd: number | undefined;
  #syncedUpTo = 0;
  #syncing: Promise<void> | undefined;
  #stopped = false;
  /** The first sync's error, if one failed. */
  #error: NodeJS.ErrnoException | undefined;

  constructor(stream: WriteStream, options: { everyBytes?: number; sync?: SyncFile } = {}) {
    this.#stream = stream;
    this.#everyBytes = options.everyBytes ?? SYNC_EVERY_BYTES;
    this.#sync = options.sync ?? fdatasync;
    stream.once('open', (fd: number) => {
      this.#fd = fd;
    });
  }

  /**
   * After a write: starts a sync when enough was written since the last one and none is under way.
   * Throws the error of a sync that failed, so that the writer stops.
   */
  written(): void {
    if (this.#error) throw this.#error;
    const fd = this.#fd;
    const { bytesWritten, destroyed } = this.#stream;
    // A stream that failed a write closes its descriptor on its own (destroyed): no sync on a closed one.
    if (
      this.#stopped ||
      this.#syncing ||
      destroyed ||
      fd === undefined ||
      bytesWritten - this.#syncedUpTo < this.#everyBytes
    )
      return;
    // The promise is in place before the sync starts: a sync that calls back at once must find
    // it there to clear, or no sync would ever start again.
    let synced = () => {};
    this.#syncing = new Promise<void>((resolve) => {
      synced = resolve;
    });
    this.#sync(fd, (error) => {
      if (error) this.#error ??= error;
      this.#syncedUpTo = bytesWritten;
      this.#syncing = undefined;
      synced();
    });
  }

  /**
   * Starts no more syncs and waits for the one under way: call it before the file is closed.
   * Rejects with the error of a sync that failed: the file must then be discarded.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#syncing;
    if (this.#error) throw this.#error;
  }
}
