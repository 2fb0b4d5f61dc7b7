/** One bit per input row (which rows repeat an earlier number): 10M rows in 1.25 MB. */
export class RowFlags {
  #bits = new Uint8Array(1024);

  set(row: number): void {
    const byte = row >>> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[byte]! |= 1 << (row & 7);
  }

  has(row: number): boolean {
    const byte = row >>> 3;
    return byte < this.#bits.length && (this.#bits[byte]! & (1 << (row & 7))) !== 0;
  }
}
