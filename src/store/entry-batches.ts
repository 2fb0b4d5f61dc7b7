import { storageError } from './cache-folder.js';

/** What reading through needs of a LevelDB iterator over string entries. */
export interface EntryIterator {
  nextv(size: number): Promise<Array<[string, string]>>;
  close(): Promise<void>;
}

/** Entries per trip to LevelDB's native side when reading through. */
const READ_BATCH = 1000;

/**
 * The iterator's entries in batches of raw strings, closing it however the read ends. nextv: a
 * thousand entries per trip to the native side; the next trip starts before this batch is
 * consumed, so LevelDB reads (in libuv's threads) while JavaScript decodes. LevelDB's errors come
 * out as WaErrors about the folder at `path`.
 */
export async function* entryBatches(iterator: EntryIterator, path: string): AsyncGenerator<Array<[string, string]>> {
  let next: Promise<Array<[string, string]>> | undefined;
  try {
    next = iterator.nextv(READ_BATCH);
    for (let batch = await next; batch.length > 0; batch = await next) {
      next = iterator.nextv(READ_BATCH);
      yield batch;
    }
  } catch (error) {
    throw storageError(path, error);
  } finally {
    // A consumer that stops early leaves a trip in flight: let it land before closing.
    await next?.catch(() => {});
    await iterator.close();
  }
}
