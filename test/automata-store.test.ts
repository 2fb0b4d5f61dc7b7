import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import {
  AUTOMATA_FILE,
  automataBuilt,
  decodeAutomata,
  encodeAutomata,
  readAutomata,
  storedDfa,
  storedTypesDfa,
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
  const [kind, ...parts] = key.split('\u0001');
  if (kind === 'dfa') return digitDfa(parts[0]!.split('\u0000'));
  const national = digitDfa([parts[0]!])!;
  const types = digitDfa(parts[1]!.split('\u0000'))!;
  return bothDfa(national, types);
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

test('a file damaged, cut short, of another format or missing is not used: nothing is read from it', async () => {
  const automata = new Map<string, DigitDfa>([
    ['dfa\u0001a', digitDfa(['12\\d'])!],
    ['dfa\u0001b', digitDfa(['[3-5]{2}'])!],
  ]);
  const file = encodeAutomata(automata);
  expect([...decodeAutomata(file)].map(([key, dfa]) => [key, plain(dfa)])).toEqual(
    [...automata].map(([key, dfa]) => [key, plain(dfa)]),
  );
  const flipped = Buffer.from(file);
  flipped[flipped.length - 5]! ^= 1;
  expect(decodeAutomata(flipped).size).toBe(0);
  expect(decodeAutomata(file.subarray(0, file.length - 4)).size).toBe(0);
  const otherFormat = Buffer.from(file);
  otherFormat[5] = 0x32; // WADFA2
  expect(decodeAutomata(otherFormat).size).toBe(0);
  const dir = await tempDir();
  expect(readAutomata(join(dir, 'missing.bin')).size).toBe(0);
  await writeFile(join(dir, 'garbage.bin'), 'not automata at all');
  expect(readAutomata(join(dir, 'garbage.bin')).size).toBe(0);
  await writeFile(join(dir, 'good.bin'), file);
  expect(readAutomata(join(dir, 'good.bin')).size).toBe(2);
});

test('a stored automaton whose transitions leave its states is not used: it is built instead', async () => {
  // A file that passes its CRC but names a state past the end, as a bug in the build could write.
  const sound = digitDfa(['12\\d'])!;
  const next = Int32Array.from(sound.next);
  next[3] = sound.accepting.length + 5;
  const path = join(await tempDir(), 'bad.bin');
  await writeFile(path, encodeAutomata(new Map([['dfa\u000112\\d', { next, accepting: sound.accepting }]])));
  expect(decodeAutomata(await readFile(path)).size).toBe(1);
  useAutomataFile(path);
  try {
    const before = automataBuilt();
    expect(plain(storedDfa(['12\\d']))).toEqual(plain(sound));
    expect(automataBuilt()).toBe(before + 1);
  } finally {
    useAutomataFile(AUTOMATA_FILE);
  }
});
