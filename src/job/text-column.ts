/**
 * One text per row of a batch (each row's phone cell, or its source record): either UTF-8 bytes
 * back to back with where each row ends, as the input worker sends them, or strings, as pass 2
 * builds them. Bytes cross threads by transfer, not copy, and the CSV writer copies them to its
 * output as they are; a row becomes a string only where one is asked for (result objects, JSONL,
 * XLSX, the spool). 2M CRM rows, warm: the job thread spent ~1.1 s writing carried cells and
 * inputs code unit by code unit from strings, and received 4096 strings per batch.
 */
export class TextColumn {
  readonly #bytes: Buffer | undefined;
  readonly #ends: Uint32Array | undefined;
  readonly #strings: string[] | undefined;

  private constructor(bytes: Buffer | undefined, ends: Uint32Array | undefined, strings: string[] | undefined) {
    this.#bytes = bytes;
    this.#ends = ends;
    this.#strings = strings;
  }

  /** Texts over plain data, as a batch from the input worker (or the job's own thread) holds them. */
  static over(data: TextColumnData): TextColumn {
    if (Array.isArray(data)) return new TextColumn(undefined, undefined, data);
    const { bytes, ends } = data as TextBytes;
    return new TextColumn(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), ends, undefined);
  }

  /** An empty column to `push` to. */
  static empty(): TextColumn {
    return new TextColumn(undefined, undefined, []);
  }

  get length(): number {
    return this.#strings ? this.#strings.length : this.#ends!.length;
  }

  /** Row `i`'s text. */
  get(i: number): string {
    if (this.#strings) return this.#strings[i]!;
    return this.#bytes!.toString('utf8', this.start(i), this.#ends![i]);
  }

  /** Appends a row's text; only to a column made empty. */
  push(text: string): void {
    this.#strings!.push(text);
  }

  /** The first `count` rows, sharing this column's data. */
  head(count: number): TextColumn {
    if (this.#strings) return new TextColumn(undefined, undefined, this.#strings.slice(0, count));
    return new TextColumn(this.#bytes, this.#ends!.subarray(0, count), undefined);
  }

  /** Every row's text. */
  strings(): string[] {
    if (this.#strings) return this.#strings;
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }

  /**
   * This column as bytes: itself, or its strings encoded at once (one join, one encoding for the
   * block); undefined when a text has no UTF-8 form (a lone surrogate).
   */
  asBytes(): TextColumn | undefined {
    if (this.#bytes) return this;
    const data = textColumnData(this.#strings!);
    return Array.isArray(data) ? undefined : TextColumn.over(data);
  }

  /** The rows' UTF-8 bytes, back to back, when the column holds bytes (see `start`, `end`). */
  get bytes(): Buffer | undefined {
    return this.#bytes;
  }

  /** Where row `i`'s bytes start in `bytes`. */
  start(i: number): number {
    return i === 0 ? 0 : this.#ends![i - 1]!;
  }

  /** Where row `i`'s bytes end in `bytes`. */
  end(i: number): number {
    return this.#ends![i]!;
  }
}

/** UTF-8 bytes of rows back to back, and where each row ends. */
export interface TextBytes {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** A TextColumn as plain data for a message between threads: bytes, or strings where bytes would not keep them. */
export type TextColumnData = TextBytes | string[];

/**
 * Texts as bytes, for a message between threads (in the input worker, which has a core of its
 * own). A text with a lone surrogate has no UTF-8 form: such a batch stays strings, so nothing
 * is changed on the way.
 */
export function textColumnData(texts: string[]): TextColumnData {
  const joined = texts.join('');
  const encoded = Buffer.from(joined, 'utf8');
  const ends = new Uint32Array(texts.length);
  if (encoded.length === joined.length) {
    // Every code unit is ASCII: a row ends where its characters do.
    let end = 0;
    for (let i = 0; i < texts.length; i++) ends[i] = end += texts[i]!.length;
  } else {
    if (LONE_SURROGATE.test(joined)) return texts;
    let end = 0;
    for (let i = 0; i < texts.length; i++) ends[i] = end += Buffer.byteLength(texts[i]!, 'utf8');
  }
  // Its own memory, whole, so that it can be transferred (a small Buffer is a slice of a shared pool).
  const bytes =
    encoded.byteOffset === 0 && encoded.buffer.byteLength === encoded.length ? encoded : new Uint8Array(encoded);
  return { bytes, ends };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What to transfer (not copy) of a column's data in a message. */
export function transferablesOf(data: TextColumnData | undefined): ArrayBuffer[] {
  if (data === undefined || Array.isArray(data)) return [];
  return [data.bytes.buffer as ArrayBuffer, data.ends.buffer as ArrayBuffer];
}
