/**
 * The source records (input/source-record.ts) of a batch of rows, as one string and where each
 * record ends in it. One string crosses from the input worker in one copy (an array of 4096
 * strings costs the job's thread ~8x more to receive), the CSV writer copies from it in place,
 * and a row's record is made as a string only where one is needed (the spool, result objects).
 */
export class SourceRecords {
  #text: string;
  readonly #ends: Uint32Array | number[];

  /** Records over `text`, the i-th ending at `ends[i]`; empty, to `push` to, without them. */
  constructor(text = '', ends: Uint32Array | number[] = []) {
    this.#text = text;
    this.#ends = ends;
  }

  /** Records over plain data, as a batch from the input worker holds them. */
  static over(data: SourceRecordsData): SourceRecords {
    return new SourceRecords(data.text, data.ends);
  }

  get length(): number {
    return this.#ends.length;
  }

  get text(): string {
    return this.#text;
  }

  start(i: number): number {
    return i === 0 ? 0 : this.#ends[i - 1]!;
  }

  end(i: number): number {
    return this.#ends[i]!;
  }

  get(i: number): string {
    return this.#text.slice(this.start(i), this.#ends[i]);
  }

  /** Appends one record; only to records made empty. */
  push(record: string): void {
    this.#text += record;
    (this.#ends as number[]).push(this.#text.length);
  }

  /** The first `count` records, sharing this text. */
  head(count: number): SourceRecords {
    const ends = this.#ends;
    return new SourceRecords(this.#text, Array.isArray(ends) ? ends.slice(0, count) : ends.subarray(0, count));
  }
}

/** SourceRecords as plain data, for a message between threads. */
export interface SourceRecordsData {
  text: string;
  ends: Uint32Array;
}

/** Records as plain data, joined (in the input worker, which has a core of its own). */
export function sourceRecordsData(records: readonly string[]): SourceRecordsData {
  const ends = new Uint32Array(records.length);
  let end = 0;
  for (let i = 0; i < records.length; i++) {
    end += records[i]!.length;
    ends[i] = end;
  }
  return { text: records.join(''), ends };
}
