import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { crc32 } from '../src/zip/crc32.js';
import {
  AUTOMATA_FILE,
  automataBuilt,
  builderFingerprints,
  decodeAutomata,
  encodeAutomata,
  readAutomata,
  storedDfa,
  storedTypesDfa,
  sourcesKey,
  typesKey,
  useAutomataFile,
} from '../src/normalize/automata-store.js';
import { compileEveryDigitRule, digitRuleOf, digitTypesOf, ruleOfRegion } from '../src/normalize/compiled-metadata.js';
import { bothDfa, type DigitDfa, digitDfa } from '../src/normalize/digit-automaton.js';
import { useTempDirs } from './helpers/temp-dir.js';

// Issue #18: the digit path's automata are built at `npm run build` (the test setup builds dist/
// the same way) and read from dist/digit-automata.bin instead of built in the input worker.

const tempDir = useTempDirs();

/** The automaton a stored key stands for, built here from the patterns in the key. */
function builtFor(key: string): DigitDfa | undefined {
  const [kind, ...parts] = JSON.parse(key) as ['dfa', string[]] | ['types', string, string[]];
  if (kind === 'dfa') return digitDfa(parts[0] as string[]);
  return bothDfa(digitDfa([parts[0] as string])!, digitDfa(parts[1] as string[])!);
}

const plain = (dfa: DigitDfa | null | undefined) => dfa && { next: [...dfa.next], accepting: [...dfa.accepting] };

test('the build stored every automaton the metadata needs: none is built at run time', () => {
  compileEveryDigitRule();
  expect(automataBuilt()).toBe(0);
  // and they are the ones in use: a region's rule holds automata of the file
  const stored = [...readAutomata(AUTOMATA_FILE).values()].map(plain);
  const swiss = digitRuleOf(ruleOfRegion('CH')!)!;
  expect(stored).toContainEqual(plain(swiss.national));
  expect(stored).toContainEqual(plain(digitTypesOf(ruleOfRegion('CH')!, swiss)));
});

test('every stored automaton is the one its patterns build', () => {
  const stored = readAutomata(AUTOMATA_FILE);
  expect(stored.size).toBeGreaterThan(500);
  for (const [key, dfa] of stored) expect(plain(dfa), key.slice(0, 80)).toEqual(plain(builtFor(key)));
});

test('patterns the file does not hold are built, as before', () => {
  const before = automataBuilt();
  const sources = ['7[0-4]\\d{3}', '99\\d'];
  expect(plain(storedDfa(sources))).toEqual(plain(digitDfa(sources)));
  const national = digitDfa(['[1-9]\\d{4,5}'])!;
  expect(plain(storedTypesDfa('[1-9]\\d{4,5}', national, ['1\\d{4}', '2\\d{5}']))).toEqual(
    plain(bothDfa(national, digitDfa(['1\\d{4}', '2\\d{5}'])!)),
  );
  expect(storedTypesDfa('[1-9]\\d{4,5}', national, [])).toBeNull();
  expect(automataBuilt()).toBe(before + 2);
});

/** The fingerprints of the code running here, as the build records them. */
const here = builderFingerprints(['js', 'ts']);

test('a file damaged, cut short, of another format or missing is not used: nothing is read from it', async () => {
  const automata = new Map<string, DigitDfa>([
    [sourcesKey(['12\\d']), digitDfa(['12\\d'])!],
    [sourcesKey(['[3-5]{2}']), digitDfa(['[3-5]{2}'])!],
  ]);
  const file = encodeAutomata(automata, here);
  expect([...decodeAutomata(file, here)].map(([key, dfa]) => [key, plain(dfa)])).toEqual(
    [...automata].map(([key, dfa]) => [key, plain(dfa)]),
  );
  const flipped = Buffer.from(file);
  flipped[flipped.length - 5]! ^= 1;
  expect(decodeAutomata(flipped, here).size).toBe(0);
  expect(decodeAutomata(file.subarray(0, file.length - 4), here).size).toBe(0);
  const otherFormat = Buffer.from(file);
  otherFormat[5] = 0x32; // WADFA2
  expect(decodeAutomata(otherFormat, here).size).toBe(0);
  // An index that is not what it should be, with a valid CRC: nothing, and no exception.
  for (const index of ['{"automata": [null, 3]', '[["a", 1]]', 'null']) {
    const bytes = Buffer.from(index);
    const bad = Buffer.concat([file.subarray(0, 16), bytes, Buffer.alloc(64)]);
    bad.writeUInt32LE(bytes.length, 12);
    bad.writeUInt32LE(crc32(bad.subarray(12)), 8);
    expect(decodeAutomata(bad, here).size).toBe(0);
  }
  const dir = await tempDir();
  expect(readAutomata(join(dir, 'missing.bin')).size).toBe(0);
  await writeFile(join(dir, 'garbage.bin'), 'not automata at all');
  expect(readAutomata(join(dir, 'garbage.bin')).size).toBe(0);
  await writeFile(join(dir, 'good.bin'), file);
  expect(readAutomata(join(dir, 'good.bin')).size).toBe(2);
});

test('automata built by other code (digit-automaton changed since the build) are not used', () => {
  const automata = new Map([[sourcesKey(['12\\d']), digitDfa(['12\\d'])!]]);
  expect(decodeAutomata(encodeAutomata(automata, here), here).size).toBe(1);
  const other = { js: (here.js ?? 0) ^ 1, ts: (here.ts ?? 0) ^ 1 };
  expect(decodeAutomata(encodeAutomata(automata, other), here).size).toBe(0);
  expect(decodeAutomata(encodeAutomata(automata, {}), here).size).toBe(0);
  // the fingerprint follows the code: the running form's file, CRC-32
  expect(Object.values(builderFingerprints()).length).toBe(1);
});

test('no two lists of patterns share a key', () => {
  expect(sourcesKey([])).not.toBe(sourcesKey(['']));
  expect(sourcesKey(['a', 'b'])).not.toBe(sourcesKey(['a\u0000b']));
  expect(typesKey('a', ['b'])).not.toBe(sourcesKey(['a', 'b']));
});

test('a stored automaton whose transitions leave its states, or whose accepting bits name patterns it was not built from, is not used: it is built instead', async () => {
  // Files that pass their CRC but hold such automata, as a bug in the build could write.
  const sound = digitDfa(['12\\d'])!;
  const outOfRange = Int32Array.from(sound.next);
  outOfRange[3] = sound.accepting.length + 5;
  const strayBits = Uint32Array.from(sound.accepting);
  strayBits[0] = 2; // a second pattern's bit, and the empty text accepted
  for (const bad of [
    { next: outOfRange, accepting: sound.accepting },
    { next: sound.next, accepting: strayBits },
  ]) {
    const path = join(await tempDir(), 'bad.bin');
    await writeFile(path, encodeAutomata(new Map([[sourcesKey(['12\\d']), bad]]), here));
    expect(decodeAutomata(await readFile(path), here).size).toBe(1);
    useAutomataFile(path);
    try {
      const before = automataBuilt();
      expect(plain(storedDfa(['12\\d']))).toEqual(plain(sound));
      expect(automataBuilt()).toBe(before + 1);
    } finally {
      useAutomataFile(AUTOMATA_FILE);
    }
  }
});
