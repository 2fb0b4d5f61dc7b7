import { Transform, type Readable, type TransformCallback } from 'node:stream';
import yauzl from 'yauzl';
import { crc32 } from './crc32.js';

/**
 * Why a zip could not be read: `invalid` (not a zip, damaged, lying about an entry) or
 * `too-large` (over a cap). The caller turns it into its own typed error.
 */
export class ZipError extends Error {
  readonly kind: 'invalid' | 'too-large';

  constructor(kind: 'invalid' | 'too-large', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ZipError';
    this.kind = kind;
  }
}

/**
 * Inflated bytes allowed across every entry read from one or more archives, counted as they are
 * produced (never as headers claim), so one budget bounds a whole result file.
 */
export class InflateBudget {
  readonly maxBytes: number;
  #used = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get used(): number {
    return this.#used;
  }

  /** Counts `bytes` more; throws `too-large` past the budget. */
  take(bytes: number, what: string): void {
    this.#used += bytes;
    if (this.#used > this.maxBytes) {
      throw new ZipError('too-large', `${what} unzips to more than the ${this.maxBytes}-byte limit.`);
    }
  }
}

export interface ZipEntryInfo {
  name: string;
  /** As the central directory claims; only ever trusted to refuse early. */
  declaredSize: number;
}

export interface OpenZipOptions {
  /**
   * Entries listed at most (a workbook has a dozen).
   * @default 10_000
   */
  maxEntries?: number;
}

/**
 * A zip file on disk, read with yauzl (Zip64, checked sizes, no trust in local headers) plus what
 * yauzl leaves out: a CRC-32 check of every entry read and caps on inflated bytes.
 */
export class ZipArchive {
  readonly #zip: yauzl.ZipFile;
  readonly #entries: Map<string, yauzl.Entry>;

  private constructor(zip: yauzl.ZipFile, entries: Map<string, yauzl.Entry>) {
    this.#zip = zip;
    this.#entries = entries;
  }

  /** Opens `path` and lists its entries; `invalid` when it is not a readable zip. */
  static async open(path: string, options: OpenZipOptions = {}): Promise<ZipArchive> {
    const maxEntries = options.maxEntries ?? 10_000;
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
    } catch (cause) {
      // A file that cannot be opened at all is a local problem, not a bad zip.
      if ((cause as NodeJS.ErrnoException).syscall !== undefined) throw cause;
      throw new ZipError('invalid', `not a zip file (${(cause as Error).message})`, { cause });
    }
    if (zip.entryCount > maxEntries) {
      zip.close();
      throw new ZipError('invalid', `the zip lists ${zip.entryCount} entries, more than the ${maxEntries} allowed`);
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        // Part names in a workbook are case-insensitive (ECMA-376 part 2, 9.1.1.1).
        if (!entry.fileName.endsWith('/')) entries.set(entry.fileName.toLowerCase(), entry);
      }
    } catch (cause) {
      zip.close();
      throw new ZipError('invalid', `the zip's directory is damaged (${(cause as Error).message})`, { cause });
    }
    return new ZipArchive(zip, entries);
  }

  get entries(): ZipEntryInfo[] {
    return [...this.#entries.values()].map((entry) => ({ name: entry.fileName, declaredSize: entry.uncompressedSize }));
  }

  has(name: string): boolean {
    return this.#entries.has(name.toLowerCase());
  }

  /**
   * Streams one entry's bytes. They count against `maxBytes` for this entry and against
   * `budget` as they are inflated; the stream fails with a `ZipError` past either, when the
   * entry holds more or fewer bytes than declared, or when its CRC-32 does not match.
   */
  async openEntry(name: string, maxBytes: number, budget: InflateBudget): Promise<Readable> {
    const entry = this.#entries.get(name.toLowerCase());
    if (!entry) throw new ZipError('invalid', `the zip has no entry ${name}`);
    if (entry.isEncrypted()) throw new ZipError('invalid', `the zip entry ${name} is encrypted`);
    const limit = Math.min(maxBytes, budget.maxBytes - budget.used);
    if (entry.uncompressedSize > limit) {
      throw new ZipError(
        'too-large',
        `the zip entry ${name} declares ${entry.uncompressedSize} bytes, over the ${limit}-byte limit`,
      );
    }
    let raw: Readable;
    try {
      raw = await this.#zip.openReadStreamPromise(entry);
    } catch (cause) {
      throw new ZipError('invalid', `the zip entry ${name} cannot be read (${(cause as Error).message})`, { cause });
    }
    const checked = new EntryCheck(name, entry.crc32, maxBytes, budget);
    raw.on('error', (cause) =>
      checked.destroy(
        cause instanceof ZipError
          ? cause
          : new ZipError('invalid', `the zip entry ${name} is damaged (${cause.message})`, { cause }),
      ),
    );
    checked.on('close', () => raw.destroy());
    return raw.pipe(checked);
  }

  close(): void {
    this.#zip.close();
  }
}

/** Counts an entry's bytes as they come and checks its CRC-32 at the end. */
class EntryCheck extends Transform {
  readonly #name: string;
  readonly #expectedCrc: number;
  readonly #maxBytes: number;
  readonly #budget: InflateBudget;
  #bytes = 0;
  #crc = 0;

  constructor(name: string, expectedCrc: number, maxBytes: number, budget: InflateBudget) {
    super();
    this.#name = name;
    this.#expectedCrc = expectedCrc;
    this.#maxBytes = maxBytes;
    this.#budget = budget;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    try {
      if (this.#bytes > this.#maxBytes) {
        throw new ZipError('too-large', `the zip entry ${this.#name} unzips to more than ${this.#maxBytes} bytes`);
      }
      this.#budget.take(chunk.length, `the zip entry ${this.#name}`);
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.#crc = crc32(chunk, this.#crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#crc !== this.#expectedCrc) {
      callback(new ZipError('invalid', `the zip entry ${this.#name} is damaged (CRC-32 mismatch)`));
    } else callback();
  }
}

/** Lists a zip's entries, or undefined when `path` is not a readable zip. */
export async function readZipDirectory(path: string): Promise<ZipEntryInfo[] | undefined> {
  let archive: ZipArchive;
  try {
    archive = await ZipArchive.open(path);
  } catch (error) {
    if (error instanceof ZipError) return undefined;
    throw error;
  }
  archive.close();
  return archive.entries;
}
