import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { Metadata } from 'libphonenumber-js/max';
import { metadataShapeProblems, readMetadata } from '../src/normalize/metadata-shape.js';

// src/normalize/fast-parse.ts reads libphonenumber-js's metadata internals. These tests fail,
// naming what changed, when an upgrade of the library moves them.

type Members = Record<string | symbol, unknown>;

/** The real metadata, with some members of the metadata or of its numbering plans replaced. */
function alteredMetadata(changes: { metadata?: Members; plan?: Members }): unknown {
  const real = new Metadata() as unknown as Members;
  const alter = <T extends object>(target: T, members: Members = {}): T =>
    new Proxy(target, {
      get: (object, name) => (name in members ? members[name] : Reflect.get(object, name)),
    });
  const metadata: Members = alter(real, {
    ...changes.metadata,
    selectNumberingPlan: (of: string) => {
      const selected = (real.selectNumberingPlan as (of: string) => Members).call(real, of);
      return { ...selected, numberingPlan: alter(selected.numberingPlan as object, changes.plan) };
    },
  });
  return metadata;
}

describe('libphonenumber-js metadata, as the fast path reads it', () => {
  test('the installed version is the one pinned exactly in package.json', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const pinned = manifest.dependencies['libphonenumber-js'];
    expect(pinned, 'libphonenumber-js must be pinned to one version: fast-parse.ts reads its internals').toMatch(
      /^\d+\.\d+\.\d+$/,
    );
    const installed = createRequire(import.meta.url)('libphonenumber-js/package.json') as { version: string };
    expect(installed.version).toBe(pinned);
  });

  test('metadataShapeProblems() - none for the installed metadata', () => {
    expect(metadataShapeProblems(new Metadata())).toEqual([]);
    expect(() => readMetadata()).not.toThrow();
  });

  test.each([
    ['a renamed plan method', { plan: { type: undefined } }, "numberingPlan.type('MOBILE').pattern() of CH throws"],
    ['a value in another layout', { plan: { leadingDigits: () => ['268'] } }, 'leadingDigits() of AG gives ["268"]'],
    ['a pattern that is no longer one', { plan: { nationalNumberPattern: () => '(' } }, 'nationalNumberPattern()'],
    [
      'a metadata method gone',
      { metadata: { getCountryCodesForCallingCode: undefined } },
      "getCountryCodesForCallingCode('1') throws",
    ],
    ['calling codes kept elsewhere', { plan: { callingCode: () => 41 } }, 'callingCode() gives 41'],
  ])('metadataShapeProblems() - %s is named', (_name, changes, named) => {
    const problems = metadataShapeProblems(alteredMetadata(changes));
    expect(problems.join('\n')).toContain(named);
  });

  test('readMetadata() - a changed shape fails loudly, saying what differs and what to do', () => {
    expect(() => readMetadata(alteredMetadata({ plan: { hasTypes: () => 'yes' } }))).toThrow(
      /no longer has the metadata internals that src\/normalize\/fast-parse\.ts reads[\s\S]*pinned in package\.json[\s\S]*hasTypes\(\) of CH gives "yes"/,
    );
  });
});
