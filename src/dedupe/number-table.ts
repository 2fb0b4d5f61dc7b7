import { digitsValue, joinedKey } from './digits-value.js';

/**
 * A hash table of E.164 numbers, each with a small state byte: the job's dedupe set and its
 * answer store in one. V8's Set and Map stop at 2^24 entries and spend ~50 bytes per string;
 * an E.164 number is at most 15 digits (under 2^50), so it and its state fit in 8 bytes: two
 * int32 words per slot, the key's low 32 bits, then its high bits with the state in the top
 * byte (10-20 bytes per number by load; 13.4 at 10M, was 15.1). Open addressing with linear probing,
 * grown by doubling.
 *
 * Key and state share one slot so that a lookup touches one cache line, not two: with separate
 * float64 keys and state bytes, looking up the warm 2M-row CRM list's rows in a table of its
 * 1.5M numbers took ~250 ms of CPU, packed ~155 ms (and inserting the cache's 1.86M answers
 * ~365 -> ~235 ms). Callers that read a state and then change it take the slot once
 * (`addOrFind`/`find`, then `stateAt`/`setStateAt`): one probe, not two.
 */
export class NumberTable {
  /** Slot s is words[2s] (the key's low 32 bits) and words[2s + 1] (high bits | state << 24). */
  #words: Int32Array;
  /** Slots - 1 (slots are a power of two). */
  #mask: number;
  #size = 0;
  #growAt: number;
  /**
   * How many keys have each state, kept as states change: the job asks at its end (what is still
   * unknown, what to check, how it ended), and a pass over millions of slots for each question
   * was ~35 ms of a warm 2M-row run's last, single-threaded moments.
   */
  readonly #stateCounts = new Uint32Array(256);

  constructor(expected = 1024) {
    const capacity = 2 ** Math.max(4, Math.ceil(Math.log2(expected / MAX_LOAD + 1)));
    this.#words = new Int32Array(capacity * 2);
    this.#mask = capacity - 1;
    this.#growAt = Math.floor(capacity * MAX_LOAD);
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's array. */
  get byteLength(): number {
    return this.#words.byteLength;
  }

  /** Adds a number key with `state`; returns false (and changes nothing) when it was there. */
  add(key: number, state: number): boolean {
    return this.addOrFind(key, state) < 0;
  }

  /** Makes room for `count` keys in all, so that adding them does not grow the table step by step. */
  reserve(count: number): void {
    while (count > this.#growAt) this.#grow();
  }

  /** Adds a key with `state` and returns -1, or returns the state of the key already there. */
  addOrGet(key: number, state: number): number {
    const slot = this.addOrFind(key, state);
    return slot < 0 ? -1 : this.stateAt(slot);
  }

  /**
   * The slot of `key` (>= 0) when it is in the table; otherwise adds it with `state` and returns
   * `~slot` (< 0). A slot stays valid until the next key is added (adding may grow the table).
   */
  addOrFind(key: number, state: number): number {
    const low = key | 0;
    const high = (key / TWO_TO_32) | 0;
    let slot = this.#probe(low, high);
    const words = this.#words;
    if ((words[slot * 2 + 1]! & KEY_HIGH_BITS) === high && words[slot * 2] === low) return slot;
    if (this.#size >= this.#growAt) {
      this.#grow();
      slot = this.#probe(low, high);
    }
    this.#words[slot * 2] = low;
    this.#words[slot * 2 + 1] = high | (state << STATE_SHIFT);
    this.#size++;
    this.#stateCounts[state]!++;
    return ~slot;
  }

  /**
   * Reads the first slot of each of keys[from, to) and answers a value made of them (keep it
   * somewhere, or the compiler may drop the reads). The reads do not depend on each other, so
   * the processor has many cache misses in flight at once; the probes that follow (addOrFind,
   * find) then find their slots in the cache instead of waiting on memory one by one.
   */
  touch(keys: Float64Array, from: number, to: number): number {
    const words = this.#words;
    const mask = this.#mask;
    let seen = 0;
    for (let i = from; i < to; i++) {
      const key = keys[i]!;
      seen ^= words[(hashWords(key | 0, (key / TWO_TO_32) | 0) & mask) * 2]!;
    }
    return seen;
  }

  /** The slot of `key`, or -1 when it is not in the table. */
  find(key: number): number {
    const low = key | 0;
    const high = (key / TWO_TO_32) | 0;
    const slot = this.#probe(low, high);
    const words = this.#words;
    return (words[slot * 2 + 1]! & KEY_HIGH_BITS) === high && words[slot * 2] === low ? slot : -1;
  }

  /** The state in a slot that `addOrFind` or `find` returned. */
  stateAt(slot: number): number {
    return this.#words[slot * 2 + 1]! >>> STATE_SHIFT;
  }

  /** Sets the state in a slot that `addOrFind` or `find` returned. */
  setStateAt(slot: number, state: number): void {
    const words = this.#words;
    const tail = words[slot * 2 + 1]!;
    words[slot * 2 + 1] = (tail & KEY_HIGH_BITS) | (state << STATE_SHIFT);
    this.#stateCounts[tail >>> STATE_SHIFT]!--;
    this.#stateCounts[state]!++;
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  /** The state of a key, or -1 when it is not in the table. */
  get(key: number): number {
    const slot = this.find(key);
    return slot < 0 ? -1 : this.stateAt(slot);
  }

  /** Sets the state of a key already in the table; returns false when it is not there. */
  set(key: number, state: number): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    this.setStateAt(slot, state);
    return true;
  }

  /** Keys whose state is `state`, in table order. `set()` while iterating is safe; `add()` is not (it may grow the table). */
  *keysWithState(state: number): Generator<number> {
    // None now: no pass over the slots (a set() while iterating cannot add one to a pass not begun).
    if (this.#stateCounts[state] === 0) return;
    const words = this.#words;
    for (let at = 0; at < words.length; at += 2) {
      const tail = words[at + 1]!;
      const low = words[at]!;
      if (tail >>> STATE_SHIFT === state && (low | (tail & KEY_HIGH_BITS)) !== 0) {
        yield (tail & KEY_HIGH_BITS) * TWO_TO_32 + (low >>> 0);
      }
    }
  }

  countState(state: number): number {
    return this.countStates()[state]!;
  }

  /** How many keys have each state (index = state): a copy of the counts kept. */
  countStates(): Uint32Array {
    return this.#stateCounts.slice();
  }

  /** The slot holding the key of these words, or the empty slot where it would go. 0 marks an empty slot. */
  #probe(low: number, high: number): number {
    const words = this.#words;
    const mask = this.#mask;
    let slot = hashWords(low, high) & mask;
    for (;;) {
      const foundLow = words[slot * 2]!;
      const foundHigh = words[slot * 2 + 1]! & KEY_HIGH_BITS;
      if ((foundLow === low && foundHigh === high) || (foundLow | foundHigh) === 0) return slot;
      slot = (slot + 1) & mask;
    }
  }

  #grow(): void {
    const old = this.#words;
    const capacity = old.length; // slots, doubled: two words per slot
    this.#words = new Int32Array(capacity * 2);
    this.#mask = capacity - 1;
    this.#growAt = Math.floor(capacity * MAX_LOAD);
    for (let at = 0; at < old.length; at += 2) {
      const low = old[at]!;
      const tail = old[at + 1]!;
      const high = tail & KEY_HIGH_BITS;
      if ((low | high) !== 0) {
        const slot = this.#probe(low, high);
        this.#words[slot * 2] = low;
        this.#words[slot * 2 + 1] = tail;
      }
    }
  }
}

/** Linear probing stays fast up to about this load; 50M numbers fit 2^26 slots. */
const MAX_LOAD = 0.8;
const TWO_TO_32 = 4294967296;
/** The state's place in a slot's second word: its top byte. */
const STATE_SHIFT = 24;
/** A key's high bits in a slot's second word: 24 of them, room for every integer up to 2^53 (E.164 needs 18). */
const KEY_HIGH_BITS = 0xff_ffff;

/**
 * Mixes both 32-bit halves of an integer-valued float64 (murmur3's finalizer). The same hash,
 * bit for bit, as when it took the float64 itself, so table order (keysWithState) is unchanged.
 */
function hashWords(low: number, high: number): number {
  let h = low ^ Math.imul(high, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** '+41798284651' -> 41798284651. The caller passes validated E.164. */
export function e164ToKey(e164: string): number {
  // Digits two at a time, the last eight apart from the rest: two short chains of small-integer
  // steps instead of one of up to 15 float64 multiply-adds (1.86M bench numbers: ~69 -> ~65 ms
  // flat, ~90 -> ~78 ms as the normalizer's concatenated strings). Exact: 15 digits < 2^53.
  const end = e164.length;
  const lowStart = end > 9 ? end - 8 : 1;
  return joinedKey(0, end - 1, digitsValue(e164, 1, lowStart), digitsValue(e164, lowStart, end));
}

/**
 * 41798284651 -> '+41798284651'. Printed as two integers under 10^8: small integers print 2-3x
 * faster than a float64 does (10M rows: ~1 s -> ~0.4 s on the job's thread), same text.
 */
export function keyToE164(key: number): string {
  if (key < 1e8) return `+${key}`;
  const high = Math.floor(key / 1e8);
  const low = `${key - high * 1e8}`;
  return `+${high}${ZEROS[8 - low.length]}${low}`;
}

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000'];
