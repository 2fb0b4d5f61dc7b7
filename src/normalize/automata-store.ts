import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from '../zip/crc32.js';
import { bothDfa, type DigitDfa, digitDfa } from './digit-automaton.js';

/*
 * The digit path's automata, built once at `npm run build` (scripts/build-automata.mjs) for every
 * region of the pinned metadata and read from one file, rather than built by subset construction
 * when the input worker first meets a region: on a CRM-shaped list that was ~70 ms of the
 * worker's first batch, on the job's critical path (bench/README.md, issue #18).
 *
 * Each automaton is found by the exact pattern texts it was built from, and the file says which
 * code built them (builderFingerprints), so one built from other metadata or by other code is never
 * used; a text not in the file, a file missing, damaged (its CRC) or from another format, and the
 * automaton is built as before.
 *
 * The file: "WADFA1\n\0", the CRC-32 of what follows it, the index's length, the index (JSON: the
 * fingerprints of the code that built the automata, and [key, states] of each in order), padding to
 * 4 bytes, then each automaton's `next` (states x 10 Int32) and `accepting` (states Uint32),
 * little-endian.
 */

/** The package's root, alike from src/normalize (tests) and dist/normalize. */
const ROOT = new URL('../../', import.meta.url);
/** Where the build writes the file, in dist/ (the tests, running src/, read it there too). */
export const AUTOMATA_FILE = new URL('dist/digit-automata.bin', ROOT);

const MAGIC = Buffer.from('WADFA1\n\0', 'latin1');
const HEADER_BYTES = MAGIC.length + 8;

/** A whole-pattern automaton's key: its sources, as digitDfa takes them (JSON: no two lists share one). */
export function sourcesKey(sources: readonly string[]): string {
  return JSON.stringify(['dfa', sources]);
}

/** The key of the automaton of a national pattern and its types, both (bothDfa). */
export function typesKey(nationalSource: string, typeSources: readonly string[]): string {
  return JSON.stringify(['types', nationalSource, typeSources]);
}

/** Automata read from the file, by key; undefined until first asked for. */
let stored: Map<string, DigitDfa> | undefined;
/** Set by the build: automata built here are kept, by key, to be written. */
let recorded: Map<string, DigitDfa> | undefined;
/** How many automata were built here, not found in the file. */
let built = 0;

/** How many automata this thread built because the file did not hold them (tests: none should). */
export function automataBuilt(): number {
  return built;
}

/** digitDfa(sources), from the file when it holds it. */
export function storedDfa(sources: readonly string[]): DigitDfa | undefined {
  const key = sourcesKey(sources);
  return lookUp(key, sources.length) ?? record(key, digitDfa(sources));
}

/**
 * The automaton of a region's national pattern and its types, both (digit-path.ts' hasType test):
 * from the file when it holds it, else bothDfa(national, the types' automaton). Null when the
 * region has no types, undefined when a pattern has no automaton.
 */
export function storedTypesDfa(
  nationalSource: string,
  national: DigitDfa,
  typeSources: readonly string[],
): DigitDfa | null | undefined {
  if (typeSources.length === 0) return null;
  const key = typesKey(nationalSource, typeSources);
  const found = lookUp(key, typeSources.length);
  if (found) return found;
  const anyType = digitDfa(typeSources);
  return record(key, anyType && bothDfa(national, anyType));
}

/**
 * The stored automaton of `key`, if sound: checked when used (a region's few, not all ~28k states
 * at start), its transitions name its own states and its accepting bits its `sourceCount` sources.
 */
function lookUp(key: string, sourceCount: number): DigitDfa | undefined {
  stored ??= readAutomata(AUTOMATA_FILE);
  const dfa = stored.get(key);
  if (!dfa) return undefined;
  const states = dfa.accepting.length;
  const sound =
    dfa.next.every((state) => state >= -1 && state < states) &&
    dfa.accepting.every((bits) => sourceCount >= 32 || bits >>> sourceCount === 0);
  return sound ? dfa : undefined;
}

function record(key: string, dfa: DigitDfa | undefined): DigitDfa | undefined {
  built++;
  if (dfa && recorded) recorded.set(key, dfa);
  return dfa;
}

/** From now on, automata are looked up in the file at `path` (tests: a damaged one). */
export function useAutomataFile(path: URL | string): void {
  stored = readAutomata(path);
}

/**
 * The build's side: from now on automata are built, none read, and each is kept to be written by
 * writeRecordedAutomata.
 */
export function recordAutomata(): void {
  stored = new Map();
  recorded = new Map();
}

/**
 * Writes the automata recorded since recordAutomata() to `path`, beside it first and then renamed
 * over it (a job reading it meanwhile sees the old file or the new one, never half of one).
 */
export function writeRecordedAutomata(path: URL | string = AUTOMATA_FILE): number {
  if (!recorded) throw new Error('recordAutomata() was not called');
  const target = path instanceof URL ? fileURLToPath(path) : path;
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, encodeAutomata(recorded, builderFingerprints(['js', 'ts'])));
  renameSync(temp, target);
  return recorded.size;
}

/** digit-automaton, which holds all the code that builds automata, in each form a checkout has. */
const BUILDER = { js: 'dist/normalize/digit-automaton.js', ts: 'src/normalize/digit-automaton.ts' } as const;
/** Which form runs here. */
const RUNNING: keyof typeof BUILDER = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

/** The CRC-32 of each form of the automata builder's code (a form missing: none). */
export type Fingerprints = Partial<Record<keyof typeof BUILDER, number>>;

/**
 * Which code builds automata: the CRC-32 of digit-automaton's files. The file records them, and
 * automata built by other code (dist/ compiled again without the build's automata step, tests run
 * after an edit) are not used.
 */
export function builderFingerprints(forms: ReadonlyArray<keyof typeof BUILDER> = [RUNNING]): Fingerprints {
  const fingerprints: Fingerprints = {};
  for (const form of forms) {
    try {
      fingerprints[form] = crc32(readFileSync(new URL(BUILDER[form], ROOT)));
    } catch {
      // this form is not here (an installed package has no src/)
    }
  }
  return fingerprints;
}

/** The file's bytes for `automata`, built by the code of `fingerprints` (see the format above). */
export function encodeAutomata(automata: ReadonlyMap<string, DigitDfa>, fingerprints: Fingerprints): Buffer {
  const entries = [...automata];
  const index = Buffer.from(
    JSON.stringify({ fingerprints, automata: entries.map(([key, dfa]) => [key, dfa.accepting.length]) }),
    'utf8',
  );
  const dataStart = align4(HEADER_BYTES + index.length);
  const size = entries.reduce((total, [, dfa]) => total + 44 * dfa.accepting.length, dataStart);
  const file = Buffer.alloc(size);
  MAGIC.copy(file, 0);
  file.writeUInt32LE(index.length, MAGIC.length + 4);
  index.copy(file, HEADER_BYTES);
  let at = dataStart;
  for (const [, { next, accepting }] of entries) {
    for (const value of next) at = file.writeInt32LE(value, at);
    for (const value of accepting) at = file.writeUInt32LE(value, at);
  }
  file.writeUInt32LE(crc32(file.subarray(MAGIC.length + 4)), MAGIC.length);
  return file;
}

/**
 * The automata in the file at `path`, by key; none when it is missing, damaged or of another
 * format (the caller then builds each automaton as before).
 */
export function readAutomata(path: URL | string, fingerprints = builderFingerprints()): Map<string, DigitDfa> {
  try {
    return decodeAutomata(readFileSync(path), fingerprints);
  } catch {
    return new Map();
  }
}

/**
 * The automata in a file's bytes, if built by the code running here (its form's fingerprint in
 * `fingerprints`); none when the file is damaged, of another format or of other code.
 */
export function decodeAutomata(file: Buffer, fingerprints: Fingerprints): Map<string, DigitDfa> {
  try {
    return decode(file, fingerprints[RUNNING]);
  } catch {
    return new Map();
  }
}

function decode(file: Buffer, fingerprint: number | undefined): Map<string, DigitDfa> {
  const automata = new Map<string, DigitDfa>();
  if (file.length < HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC) || !LITTLE_ENDIAN) return automata;
  if (file.readUInt32LE(MAGIC.length) !== crc32(file.subarray(MAGIC.length + 4))) return automata;
  const indexLength = file.readUInt32LE(MAGIC.length + 4);
  const header = JSON.parse(file.toString('utf8', HEADER_BYTES, HEADER_BYTES + indexLength)) as {
    fingerprints?: Fingerprints;
    automata?: unknown;
  };
  const index = header?.automata;
  if (fingerprint === undefined || header?.fingerprints?.[RUNNING] !== fingerprint || !Array.isArray(index))
    return automata;
  // Views of one copy, aligned for Int32Array (a Buffer read from a file may sit at any offset).
  const data = file.subarray(align4(HEADER_BYTES + indexLength));
  const words = new Int32Array(data.length >>> 2);
  new Uint8Array(words.buffer).set(data.subarray(0, words.length * 4));
  let at = 0;
  for (const entry of index as unknown[]) {
    const [key, states] = Array.isArray(entry) ? entry : [];
    if (typeof key !== 'string' || !Number.isInteger(states) || (states as number) < 1) return new Map();
    const count = states as number;
    if (at + 11 * count > words.length) return new Map();
    const next = words.subarray(at, at + 10 * count);
    const accepting = new Uint32Array(words.buffer, (at + 10 * count) * 4, count);
    at += 11 * count;
    automata.set(key, { next, accepting });
  }
  return automata;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function align4(offset: number): number {
  return (offset + 3) & ~3;
}
