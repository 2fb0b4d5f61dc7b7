/**
 * Which three-digit starts a metadata pattern can match at all, read from the pattern itself: a
 * cheap proof that a regexp test must fail, so it is not made.
 *
 * Why: the fast path's dearest rows are national readings that fail (a `00...` or `001...` text
 * read as a US number before it is read as international), and there each region of a calling
 * code with leading digits (24 share +1) costs a call into the regexp engine (~50-70 ns each).
 *
 * The metadata's patterns use a small regular subset (digits, `\d`, classes of digits and ranges,
 * groups, `|`, `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`). A pattern is parsed into a Thompson NFA and
 * the NFA is run over every three-digit start. Anything outside the subset throws
 * `UnsupportedPattern`, and the caller keeps testing every text.
 */
export class UnsupportedPattern extends Error {}

/**
 * For each three-digit start (by its value, 0 to 999), 0 when no text starting with it has a
 * prefix that /^(?:source)/ matches, else 1. Undefined for syntax outside the subset.
 */
export function leadingStarts(source: string): Uint8Array | undefined {
  let nfa: Nfa;
  let start: number;
  let end: number;
  try {
    nfa = new Nfa();
    ({ start, end } = nfa.build(new PatternParser(source).parse()));
    nfa.finals.add(end);
  } catch (error) {
    if (error instanceof UnsupportedPattern) return undefined;
    throw error;
  }
  const starts = new Uint8Array(1000);
  const walk = (states: number[], depth: number, value: number) => {
    // Matched already (a prefix of 0 to 2 digits): every text with this start matches.
    if (states.includes(end)) return starts.fill(1, value * 10 ** (3 - depth), (value + 1) * 10 ** (3 - depth));
    if (depth === 3) {
      starts[value] = states.length > 0 ? 1 : 0;
      return;
    }
    for (let digit = 0; digit < 10; digit++) {
      const next = nfa.step(states, digit);
      if (next.length > 0) walk(next, depth + 1, value * 10 + digit);
    }
  };
  walk(nfa.closure([start]), 0, 0);
  return starts;
}

/**
 * A deterministic automaton over digits for the union of up to 31 patterns: `next[state * 10 +
 * digit]` is the next state (-1: no text going on so can match), and `accepting[state]` has bit
 * `i` set where the digits read so far are a whole match of pattern `i` (0: of none). The start
 * state is 0. The digit path (digit-path.ts) runs it on an array of digits instead of a RegExp on
 * a string: a few loads a digit, no call into the regexp engine and no string to make.
 */
export interface DigitDfa {
  next: Int32Array;
  accepting: Uint32Array;
}

/** More states than this and the pattern stays a RegExp (none of the pinned metadata's comes near). */
const MAX_DFA_STATES = 4096;

/**
 * The DFA of the union of `sources` (each a whole pattern; bit `i` of a state's `accepting` for
 * `sources[i]`), by subset construction over the NFA; undefined for syntax outside the subset or
 * an automaton past MAX_DFA_STATES.
 */
export function digitDfa(sources: readonly string[]): DigitDfa | undefined {
  if (sources.length > 31) return undefined;
  const nfa = new Nfa();
  const start = nfa.state();
  /** The final state of each source, by state: its bit. */
  const bits = new Map<number, number>();
  try {
    sources.forEach((source, index) => {
      const part = nfa.build(new PatternParser(source).parse());
      nfa.epsilon[start]!.push(part.start);
      nfa.finals.add(part.end);
      bits.set(part.end, (bits.get(part.end) ?? 0) | (1 << index));
    });
  } catch (error) {
    if (error instanceof UnsupportedPattern) return undefined;
    throw error;
  }
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const accepting: number[] = [];
  const idOf = (states: number[]): number => {
    const key = states.sort((a, b) => a - b).join(',');
    let id = ids.get(key);
    if (id === undefined) {
      id = sets.length;
      ids.set(key, id);
      sets.push(states);
      let accepts = 0;
      for (const state of states) accepts |= bits.get(state) ?? 0;
      accepting.push(accepts);
    }
    return id;
  };
  idOf(nfa.closure([start]));
  const next: number[] = [];
  for (let state = 0; state < sets.length; state++) {
    if (sets.length > MAX_DFA_STATES) return undefined;
    for (let digit = 0; digit < 10; digit++) {
      const states = nfa.step(sets[state]!, digit);
      next[state * 10 + digit] = states.length === 0 ? -1 : idOf(states);
    }
  }
  return { next: Int32Array.from(next), accepting: Uint32Array.from(accepting) };
}

/**
 * The DFA of what `a` (one pattern) and `b` match both: one walk where a RegExp with a lookahead,
 * or two DFAs, take two; a state accepts with `b`'s bits where `a` accepts too. Undefined past
 * MAX_DFA_STATES.
 */
export function bothDfa(a: DigitDfa, b: DigitDfa): DigitDfa | undefined {
  const ids = new Map<number, number>();
  const pairs: number[] = [];
  const accepting: number[] = [];
  const idOf = (stateA: number, stateB: number): number => {
    const key = stateA * 65536 + stateB;
    let id = ids.get(key);
    if (id === undefined) {
      id = pairs.length / 2;
      ids.set(key, id);
      pairs.push(stateA, stateB);
      accepting.push(a.accepting[stateA] === 0 ? 0 : b.accepting[stateB]!);
    }
    return id;
  };
  idOf(0, 0);
  const next: number[] = [];
  for (let state = 0; state < pairs.length / 2; state++) {
    if (pairs.length / 2 > MAX_DFA_STATES) return undefined;
    const stateA = pairs[2 * state]!;
    const stateB = pairs[2 * state + 1]!;
    for (let digit = 0; digit < 10; digit++) {
      const nextA = a.next[stateA * 10 + digit]!;
      const nextB = b.next[stateB * 10 + digit]!;
      next[state * 10 + digit] = nextA < 0 || nextB < 0 ? -1 : idOf(nextA, nextB);
    }
  }
  return { next: Int32Array.from(next), accepting: Uint32Array.from(accepting) };
}

/** Whether digits[from, to) is a whole match of the DFA (a RegExp `^(?:...)$`'s test). */
export function matchesWhole(dfa: DigitDfa, digits: Uint8Array, from: number, to: number): boolean {
  return wholeMatches(dfa, digits, from, to) !== 0;
}

/** Which of the DFA's patterns digits[from, to) is a whole match of: their bits (0: none). */
export function wholeMatches(dfa: DigitDfa, digits: Uint8Array, from: number, to: number): number {
  const { next } = dfa;
  let state = 0;
  for (let i = from; i < to; i++) {
    state = next[state * 10 + digits[i]!]!;
    if (state < 0) return 0;
  }
  return dfa.accepting[state]!;
}

/** Whether some prefix of digits[from, to) is a match (a RegExp `^(?:...)`'s test). */
export function matchesPrefix(dfa: DigitDfa, digits: Uint8Array, from: number, to: number): boolean {
  const { next, accepting } = dfa;
  let state = 0;
  if (accepting[0] !== 0) return true;
  for (let i = from; i < to; i++) {
    state = next[state * 10 + digits[i]!]!;
    if (state < 0) return false;
    if (accepting[state] !== 0) return true;
  }
  return false;
}

type Node =
  | { kind: 'set'; mask: number }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; items: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number };

const ALL_DIGITS = 0x3ff;
const ZERO = 48;

/** A recursive-descent parser of the subset. */
class PatternParser {
  readonly #source: string;
  #at = 0;

  constructor(source: string) {
    this.#source = source;
  }

  parse(): Node {
    const node = this.#alternation();
    if (this.#at !== this.#source.length) this.#fail();
    return node;
  }

  #fail(): never {
    throw new UnsupportedPattern(`unsupported pattern syntax at ${this.#at}: ${this.#source}`);
  }

  #alternation(): Node {
    const items = [this.#sequence()];
    while (this.#source[this.#at] === '|') {
      this.#at++;
      items.push(this.#sequence());
    }
    return items.length === 1 ? items[0]! : { kind: 'alt', items };
  }

  #sequence(): Node {
    const items: Node[] = [];
    while (this.#at < this.#source.length && this.#source[this.#at] !== '|' && this.#source[this.#at] !== ')')
      items.push(this.#quantified(this.#atom()));
    return { kind: 'seq', items };
  }

  #atom(): Node {
    const char = this.#source[this.#at++];
    if (char === undefined) this.#fail();
    if (char >= '0' && char <= '9') return { kind: 'set', mask: 1 << (char.charCodeAt(0) - ZERO) };
    if (char === '\\') {
      if (this.#source[this.#at++] !== 'd') this.#fail();
      return { kind: 'set', mask: ALL_DIGITS };
    }
    if (char === '[') return this.#class();
    if (char === '(') {
      // Plain and non-capturing groups; lookarounds and named groups are outside the subset.
      if (this.#source[this.#at] === '?') {
        if (this.#source[this.#at + 1] !== ':') this.#fail();
        this.#at += 2;
      }
      const inner = this.#alternation();
      if (this.#source[this.#at++] !== ')') this.#fail();
      return inner;
    }
    return this.#fail();
  }

  #class(): Node {
    let mask = 0;
    if (this.#source[this.#at] === '^') this.#fail();
    while (this.#source[this.#at] !== ']') {
      const char = this.#source[this.#at++];
      if (char === undefined) this.#fail();
      if (char === '\\') {
        if (this.#source[this.#at++] !== 'd') this.#fail();
        mask |= ALL_DIGITS;
        continue;
      }
      if (!(char >= '0' && char <= '9')) this.#fail();
      let last = char;
      if (this.#source[this.#at] === '-' && this.#source[this.#at + 1] !== ']') {
        last = this.#source[this.#at + 1]!;
        if (!(last >= '0' && last <= '9') || last < char) this.#fail();
        this.#at += 2;
      }
      for (let code = char.charCodeAt(0); code <= last.charCodeAt(0); code++) mask |= 1 << (code - ZERO);
    }
    this.#at++;
    return { kind: 'set', mask };
  }

  #quantified(item: Node): Node {
    let node = item;
    for (;;) {
      const char = this.#source[this.#at];
      let min: number;
      let max: number;
      if (char === '?') [min, max] = [0, 1];
      else if (char === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
      else if (char === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
      else if (char === '{') {
        const bounds = /^\{(\d+)(,(\d*))?\}/.exec(this.#source.slice(this.#at));
        if (!bounds) this.#fail();
        min = Number(bounds[1]);
        max = bounds[2] === undefined ? min : bounds[3] === '' ? Number.POSITIVE_INFINITY : Number(bounds[3]);
        if (max < min) this.#fail();
        this.#at += bounds[0].length - 1;
      } else return node;
      this.#at++;
      // A lazy quantifier matches the same language: only which match is found first differs.
      if (this.#source[this.#at] === '?') this.#at++;
      node = { kind: 'repeat', item: node, min, max };
    }
  }
}

/** A Thompson NFA: each state has epsilon moves and at most one move on a set of digits. */
class Nfa {
  readonly epsilon: number[][] = [];
  readonly mask: number[] = [];
  readonly next: number[] = [];

  state(): number {
    this.epsilon.push([]);
    this.mask.push(0);
    this.next.push(-1);
    return this.epsilon.length - 1;
  }

  /** The states reached from `states` by `digit`, closed under epsilon moves. */
  step(states: readonly number[], digit: number): number[] {
    const targets: number[] = [];
    const bit = 1 << digit;
    for (const from of states) if (this.mask[from]! & bit) targets.push(this.next[from]!);
    return this.closure(targets);
  }

  /** The states that end a match (set once the patterns are built). */
  readonly finals = new Set<number>();

  /** `states` and all the epsilon moves reach, keeping those that matter: a digit move or a final one. */
  closure(states: readonly number[]): number[] {
    const seen = new Set<number>();
    const stack = [...states];
    while (stack.length > 0) {
      const state = stack.pop()!;
      if (seen.has(state)) continue;
      seen.add(state);
      for (const to of this.epsilon[state]!) stack.push(to);
    }
    return [...seen].filter((state) => this.mask[state] !== 0 || this.finals.has(state));
  }

  build(node: Node): { start: number; end: number } {
    const start = this.state();
    const end = this.state();
    switch (node.kind) {
      case 'set':
        this.mask[start] = node.mask;
        this.next[start] = end;
        break;
      case 'seq': {
        let at = start;
        for (const item of node.items) {
          const part = this.build(item);
          this.epsilon[at]!.push(part.start);
          at = part.end;
        }
        this.epsilon[at]!.push(end);
        break;
      }
      case 'alt':
        for (const item of node.items) {
          const part = this.build(item);
          this.epsilon[start]!.push(part.start);
          this.epsilon[part.end]!.push(end);
        }
        break;
      case 'repeat': {
        let at = start;
        for (let i = 0; i < node.min; i++) {
          const part = this.build(node.item);
          this.epsilon[at]!.push(part.start);
          at = part.end;
        }
        if (node.max === Number.POSITIVE_INFINITY) {
          const part = this.build(node.item);
          this.epsilon[at]!.push(part.start, end);
          this.epsilon[part.end]!.push(part.start, end);
        } else {
          for (let i = node.min; i < node.max; i++) {
            const part = this.build(node.item);
            this.epsilon[at]!.push(part.start, end);
            at = part.end;
          }
          this.epsilon[at]!.push(end);
        }
        break;
      }
    }
    return { start, end };
  }
}
