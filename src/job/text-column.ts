/**
 * One text per row of a batch (each row's phone cell, or its source record): either UTF-8 bytes
 * with where each row ends (and starts, when rows are spans of a text's bytes rather than back to
 * back: a row's bytes are always bytes[start(i), end(i))), as the input worker sends them, or
 * strings, as pass 2 builds them. Bytes cross threads by transfer, not copy, and the CSV writer copies them to its
 * output as they are; a row becomes a string only where one is asked for (result objects, JSONL,
 * XLSX, the spool). 2M CRM rows, warm: the job thread spent ~1.1 s writing carried cells and
 * inputs code unit by code unit from strings, and received 4096 strings per batch.
 */
export class TextColumn {
  readonly #bytes: Buffer | undefined;
  readonly #ends: Uint32Array | undefined;
  /** Where each row starts, when rows are not back to back (see TextBytes). */
  readonly #starts: Uint32Array | undefined;
  readonly #strings: string[] | undefined;

  private constructor(
    bytes: Buffer | undefined,
    ends: Uint32Array | undefined,
    strings: string[] | undefined,
    starts?: Uint32Array,
  ) {
    this.#bytes = bytes;
    this.#ends = ends;
    this.#strings = strings;
    this.#starts = starts;
  }

  /** Texts over plain data, as a batch from the input worker (or the job's own thread) holds them. */
  static over(data: TextColumnData): TextColumn {
    if (Array.isArray(data)) return new TextColumn(undefined, undefined, data);
    const { bytes, ends, starts } = data as TextBytes;
    return new TextColumn(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), ends, undefined, starts);
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
    return new TextColumn(this.#bytes, this.#ends!.subarray(0, count), undefined, this.#starts?.subarray(0, count));
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

  /**
   * The rows' UTF-8 bytes when the column holds bytes: row i is bytes[start(i), end(i)). Rows may
   * be back to back, or spans with other bytes between them (the lines the phone cells are in).
   */
  get bytes(): Buffer | undefined {
    return this.#bytes;
  }

  /** Where each row starts in `bytes`, when rows are spans of them (not back to back, not strings). */
  get starts(): Uint32Array | undefined {
    return this.#starts;
  }

  /** Where each row ends in `bytes`, when the column holds bytes. */
  get ends(): Uint32Array | undefined {
    return this.#ends;
  }

  /** Where row `i`'s bytes start in `bytes`. */
  start(i: number): number {
    if (this.#starts) return this.#starts[i]!;
    return i === 0 ? 0 : this.#ends![i - 1]!;
  }

  /** The UTF-8 bytes of the first `rows` rows, when the column holds bytes. */
  byteLength(rows: number): number {
    if (rows === 0) return 0;
    const ends = this.#ends!;
    const starts = this.#starts;
    if (!starts) return ends[rows - 1]! - this.start(0);
    let length = 0;
    for (let i = 0; i < rows; i++) length += ends[i]! - starts[i]!;
    return length;
  }

  /** Where row `i`'s bytes end in `bytes`. */
  end(i: number): number {
    return this.#ends![i]!;
  }
}

/** Rows' UTF-8 bytes, and where each row ends: back to back, or each from its `starts`. */
export interface TextBytes {
  bytes: Uint8Array;
  ends: Uint32Array;
  /**
   * Where each row starts, when the rows are not back to back: spans of a text's bytes (its phone
   * cells, its lines), several columns over the same bytes (job/normalize-spans.ts).
   */
  starts?: Uint32Array | undefined;
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
    if (hasLoneSurrogate(joined)) return texts;
    let end = 0;
    for (let i = 0; i < texts.length; i++) ends[i] = end += Buffer.byteLength(texts[i]!, 'utf8');
  }
  return { bytes: ownBytes(encoded), ends };
}

/** Bytes in memory of their own, whole, so that they can be transferred (a small Buffer is a slice of a shared pool). */
export function ownBytes(encoded: Buffer): Uint8Array {
  return encoded.byteOffset === 0 && encoded.buffer.byteLength === encoded.length ? encoded : new Uint8Array(encoded);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `text` has a UTF-16 unit of a surrogate pair without its other half: UTF-8 has no form for it. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** What to transfer (not copy) of columns' data in a message: each memory once, as several columns may share it. */
export function transferablesOf(...columns: Array<TextColumnData | undefined>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const data of columns) {
    if (data === undefined || Array.isArray(data)) continue;
    buffers.add(data.bytes.buffer as ArrayBuffer);
    buffers.add(data.ends.buffer as ArrayBuffer);
    if (data.starts) buffers.add(data.starts.buffer as ArrayBuffer);
  }
  return [...buffers];
}
