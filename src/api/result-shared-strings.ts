import type { Readable } from 'node:stream';
import { ErrorCodes, invalidOption, WaError } from '../errors.js';
import { invalidPart, parseXmlPart } from './result-xml.js';

export interface SharedStringLimits {
  /** Strings in the table. */
  maxCount: number;
  /** Their total length, in UTF-8 bytes. */
  maxBytes: number;
}

const SLAB_BYTES = 1024 * 1024;
/** Under a slab even at 3 UTF-8 bytes a character, so a string never spans two slabs. */
const MAX_STRING_CHARS = 256 * 1024;
const MAX_ELEMENTS_PER_STRING = 1000;

/**
 * A workbook's shared-string table, held as UTF-8 in 1 MiB slabs with two typed arrays of
 * positions: 8 bytes a string plus its text, where an array of JS strings would take 30 or
 * more, so the caps bound memory closely. Strings are decoded only when looked up. Positions
 * fit 32 bits because the byte cap is checked to stay well under 4 GiB.
 */
export class SharedStrings {
  readonly #slabs: Buffer[] = [];
  #slabUsed = 0;
  #starts = new Uint32Array(1024);
  #lengths = new Uint32Array(1024);
  #count = 0;
  #bytes = 0;
  readonly #limits: SharedStringLimits;

  constructor(limits: SharedStringLimits) {
    if (limits.maxBytes > 2 ** 31) invalidOption('limits.maxSharedStringBytes', 'at most 2 GiB', limits.maxBytes);
    this.#limits = limits;
  }

  get size(): number {
    return this.#count;
  }

  add(text: string): void {
    if (this.#count >= this.#limits.maxCount) {
      throw tooLarge(`more than ${this.#limits.maxCount} shared strings`);
    }
    const length = Buffer.byteLength(text);
    this.#bytes += length;
    if (this.#bytes > this.#limits.maxBytes) {
      throw tooLarge(`shared strings longer than ${this.#limits.maxBytes} bytes in all`);
    }
    if (this.#count === this.#starts.length) this.#grow();
    if (this.#slabs.length === 0 || this.#slabUsed + length > SLAB_BYTES) {
      this.#slabs.push(Buffer.allocUnsafe(SLAB_BYTES));
      this.#slabUsed = 0;
    }
    const slab = this.#slabs.length - 1;
    if (length > 0) this.#slabs[slab]!.write(text, this.#slabUsed, 'utf8');
    this.#starts[this.#count] = slab * SLAB_BYTES + this.#slabUsed;
    this.#lengths[this.#count] = length;
    this.#slabUsed += length;
    this.#count++;
  }

  get(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#count) return undefined;
    const start = this.#starts[index]!;
    const slab = Math.floor(start / SLAB_BYTES);
    const offset = start - slab * SLAB_BYTES;
    return this.#slabs[slab]!.toString('utf8', offset, offset + this.#lengths[index]!);
  }

  #grow(): void {
    const capacity = Math.min(this.#starts.length * 2, this.#limits.maxCount);
    const starts = new Uint32Array(capacity);
    starts.set(this.#starts);
    const lengths = new Uint32Array(capacity);
    lengths.set(this.#lengths);
    this.#starts = starts;
    this.#lengths = lengths;
  }
}

/**
 * Reads `xl/sharedStrings.xml`: each `<si>` is one string, the text of its `<t>`, or of the
 * `<t>` of its runs (`<r>`); phonetic hints (`<rPh>`) are not part of the text.
 */
export async function readSharedStrings(
  stream: Readable,
  part: string,
  limits: SharedStringLimits,
): Promise<SharedStrings> {
  const strings = new SharedStrings(limits);
  const path: string[] = [];
  let current: string | undefined;
  let currentChars = 0;
  let elementsInString = 0;
  const capturing = () =>
    current !== undefined && path.at(-1) === 't' && (path.length === 3 || (path.length === 4 && path[2] === 'r'));
  const handlers = {
    open(name: string): void {
      path.push(name);
      if (path.length === 1) {
        if (name !== 'sst') throw invalidPart(part, `the root is <${name}>, not <sst>`);
      } else if (path.length === 2) {
        if (name === 'si') {
          current = '';
          currentChars = 0;
          elementsInString = 0;
        } else if (name !== 'extLst') throw invalidPart(part, `<${name}> is not a shared string`);
      } else if (current !== undefined && ++elementsInString > MAX_ELEMENTS_PER_STRING) {
        throw invalidPart(part, `a shared string has more than ${MAX_ELEMENTS_PER_STRING} elements`);
      }
    },
    close(): void {
      if (path.length === 2 && current !== undefined) {
        strings.add(current);
        current = undefined;
      }
      path.pop();
    },
    text(text: string): void {
      if (!capturing()) return;
      currentChars += text.length;
      if (currentChars > MAX_STRING_CHARS) {
        throw invalidPart(part, `a shared string is longer than ${MAX_STRING_CHARS} characters`);
      }
      current += text;
    },
  };
  for await (const _ of parseXmlPart(stream, part, handlers)) {
    // The table is built by the handlers; nothing to hand on until the end.
  }
  return strings;
}

function tooLarge(what: string): WaError {
  return new WaError(ErrorCodes.RESULT_TOO_LARGE, `The result file is too large: it has ${what}.`);
}
