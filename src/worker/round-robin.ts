/**
 * The items of several streams taken in turn, one from each (the first stream's first item, the
 * second's first, ..., the first's second...), until the stream whose turn it is has none left:
 * streams that split a sequence by slices dealt in turn give it back in order. Every stream is
 * closed when the caller stops early or one fails, so no worker is left running.
 */
export async function* roundRobin<T>(streams: ReadonlyArray<AsyncIterator<T>>): AsyncGenerator<T> {
  try {
    for (let turn = 0; ; turn = (turn + 1) % streams.length) {
      const next = await streams[turn]!.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await Promise.all(streams.map((stream) => stream.return?.()));
  }
}
