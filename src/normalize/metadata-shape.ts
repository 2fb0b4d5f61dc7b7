import { Metadata } from 'libphonenumber-js/max';

/**
 * The parts of libphonenumber-js's `Metadata` the fast path reads. Its typings declare few of
 * them: they are internals, so the version is pinned exactly in package.json and the shape is
 * checked when the fast path loads (`readMetadata`).
 */
export interface MetadataApi {
  hasCountry(country: string): boolean;
  hasCallingCode(code: string): boolean;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): MetadataApi;
  numberingPlan: {
    callingCode(): string;
    IDDPrefix(): string | undefined;
    possibleLengths(): number[] | undefined;
    /** A pattern, or a falsy value (`undefined` or `0`) when the region has none. */
    leadingDigits(): string | undefined;
    nationalNumberPattern(): string;
    nationalPrefixForParsing(): string | undefined;
    hasTypes(): boolean;
    type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
  };
}

/**
 * What differs between `metadata` and the shape the fast path reads, as readable lines; empty
 * when it fits. Probed on regions whose values are stable facts (Switzerland, Antigua's leading
 * digits within +1), so a renamed method, a moved field or a changed value layout all show.
 */
export function metadataShapeProblems(metadata: unknown): string[] {
  const problems: string[] = [];
  const probe = (what: string, read: () => unknown, fits: (value: unknown) => boolean, expected: string) => {
    let value: unknown;
    try {
      value = read();
    } catch (error) {
      problems.push(`${what} throws (${(error as Error).message}); expected ${expected}`);
      return;
    }
    if (!fits(value)) problems.push(`${what} gives ${JSON.stringify(value)}; expected ${expected}`);
  };
  const m = metadata as MetadataApi;
  const plan = (of: string) => m.selectNumberingPlan(of).numberingPlan;
  const isPattern = (value: unknown) => typeof value === 'string' && value.length > 0 && compiles(value);
  const isLengths = (value: unknown) => Array.isArray(value) && value.every((n) => Number.isInteger(n));

  probe(
    "hasCountry('CH')",
    () => m.hasCountry('CH'),
    (v) => v === true,
    'true',
  );
  probe(
    "hasCountry('XX')",
    () => m.hasCountry('XX'),
    (v) => v === false,
    'false',
  );
  probe(
    "hasCallingCode('41')",
    () => m.hasCallingCode('41'),
    (v) => v === true,
    'true',
  );
  probe(
    "getCountryCodesForCallingCode('1')",
    () => m.getCountryCodesForCallingCode('1'),
    (v) => Array.isArray(v) && v[0] === 'US' && v.includes('AG'),
    "an array starting with 'US' that holds 'AG'",
  );
  probe(
    "selectNumberingPlan('CH').numberingPlan.callingCode()",
    () => plan('CH').callingCode(),
    (v) => v === '41',
    "'41'",
  );
  probe(
    "selectNumberingPlan('41').numberingPlan.callingCode()",
    () => plan('41').callingCode(),
    (v) => v === '41',
    "'41'",
  );
  probe(
    'numberingPlan.IDDPrefix() of CH',
    () => plan('CH').IDDPrefix(),
    (v) => v === '00',
    "'00'",
  );
  probe('numberingPlan.possibleLengths() of CH', () => plan('CH').possibleLengths(), isLengths, 'an array of lengths');
  probe(
    'numberingPlan.leadingDigits() of CH',
    () => plan('CH').leadingDigits(),
    (v) => !v,
    'no leading digits',
  );
  probe(
    'numberingPlan.leadingDigits() of AG',
    () => plan('AG').leadingDigits(),
    (v) => v === '268',
    "'268'",
  );
  probe(
    'numberingPlan.nationalNumberPattern() of CH',
    () => plan('CH').nationalNumberPattern(),
    (v) => isPattern(v) && new RegExp(`^(?:${v})$`).test('798284651'),
    'a pattern that matches 798284651',
  );
  probe(
    'numberingPlan.nationalPrefixForParsing() of CH',
    () => plan('CH').nationalPrefixForParsing(),
    (v) => v === '0',
    "'0'",
  );
  probe(
    'numberingPlan.hasTypes() of CH',
    () => plan('CH').hasTypes(),
    (v) => v === true,
    'true',
  );
  probe(
    "numberingPlan.type('MOBILE').pattern() of CH",
    () => plan('CH').type('MOBILE')?.pattern(),
    (v) => isPattern(v) && new RegExp(`^(?:${v})$`).test('798284651'),
    'a pattern that matches 798284651',
  );
  probe(
    "numberingPlan.type('MOBILE').possibleLengths() of CH",
    () => plan('CH').type('MOBILE')?.possibleLengths(),
    (v) => v === undefined || isLengths(v),
    'an array of lengths or undefined',
  );
  return problems;
}

/** The `max` metadata, after checking it has the shape the fast path reads: else a loud failure. */
export function readMetadata(metadata: unknown = new Metadata()): MetadataApi {
  const problems = metadataShapeProblems(metadata);
  if (problems.length > 0) {
    throw new Error(
      'The installed libphonenumber-js no longer has the metadata internals that ' +
        'src/normalize/fast-parse.ts reads, so its fast path would give wrong answers. Install the ' +
        'version pinned in package.json, or adapt fast-parse.ts (and metadata-shape.ts) to the new ' +
        `one. What differs:\n- ${problems.join('\n- ')}`,
    );
  }
  return metadata as MetadataApi;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
