import type { Writable } from 'node:stream';

/**
 * Writes to a stream with backpressure, turning its 'error' event into a rejected write: a stream
 * that fails (a full disk, a reader that went away: EPIPE) stops the writer instead of crashing
 * the process with an unhandled 'error' event or leaving it waiting for a 'drain' that never comes.
 */
export class StreamSink {
  readonly stream: Writable;
  #error: Error | undefined;
  readonly #onError = (error: Error) => {
    this.#error ??= error;
  };

  readonly #awaitEachWrite: boolean;
  readonly #afterWrite: (() => void) | undefined;

  /**
   * With `awaitEachWrite`, each write waits for its own callback: a reader that went away is
   * noticed at the write that failed, not one block later (a block can take a task's time to
   * come, and a task is paid). A file of our own does without it and keeps writes overlapped.
   * `afterWrite` is called after each write is handed to the stream (write-behind.ts).
   */
  constructor(stream: Writable, options: { awaitEachWrite?: boolean; afterWrite?: () => void } = {}) {
    this.stream = stream;
    this.#awaitEachWrite = options.awaitEachWrite ?? false;
    this.#afterWrite = options.afterWrite;
    stream.on('error', this.#onError);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.#error) throw this.#error;
    if (chunk.length === 0) return;
    if (this.stream.destroyed) throw this.#error ?? streamClosed();
    if (this.#awaitEachWrite) {
      await new Promise<void>((resolve, reject) =>
        this.stream.write(chunk, (error) => (error ? reject(error) : resolve())),
      );
    } else if (!this.stream.write(chunk)) {
      this.#afterWrite?.();
      await this.#drained();
    } else this.#afterWrite?.();
    if (this.#error) throw this.#error;
  }

  /** Ends a stream this writer owns and waits until it is closed (a file's descriptor too). */
  async end(): Promise<void> {
    if (this.#error) throw this.#error;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('close', () => (this.#error ? reject(this.#error) : resolve()));
      this.stream.end();
    });
  }

  /**
   * Abandons a stream this writer owns: destroys it and waits until it is closed, so that a file
   * whose open was still under way is not created after the caller has removed it.
   */
  async abandon(): Promise<void> {
    if (this.stream.closed) return;
    const closed = new Promise((resolve) => this.stream.once('close', resolve));
    this.stream.destroy();
    await closed;
  }

  /** Stops listening; the stream's own error handling applies again. */
  release(): void {
    this.stream.off('error', this.#onError);
  }

  #drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.stream.off('drain', settle);
        this.stream.off('error', settle);
        this.stream.off('close', settle);
        if (this.#error) reject(this.#error);
        else if (this.stream.destroyed) reject(streamClosed());
        else resolve();
      };
      this.stream.on('drain', settle);
      this.stream.on('error', settle);
      this.stream.on('close', settle);
    });
  }
}

function streamClosed(): Error {
  return Object.assign(new Error('The output stream was closed.'), { code: 'ERR_STREAM_DESTROYED' });
}
