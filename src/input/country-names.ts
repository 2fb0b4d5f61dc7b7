import { createRequire } from 'node:module';
import { isSupportedCountry } from 'libphonenumber-js/max';

type Countries = typeof import('i18n-iso-countries');

/**
 * Region codes of country cells, as people write them: ISO 3166 alpha-2 (`ch`), alpha-3 (`CHE`)
 * or an English name (`Switzerland`, `United States of America`, `Côte d'Ivoire`), any case.
 * The names come from i18n-iso-countries (kept up to date with ISO, aliases included). Its
 * package entry loads every language; only English is loaded here, once a cell needs it.
 */
export class CountryNames {
  /** Regions of two-ASCII-character cells, by (first code * 128 + second); null: not a region. */
  readonly #twoChars: Array<string | null | undefined> = new Array(128 * 128);
  /** A country column holds few distinct values: remember them (boundedly). */
  readonly #seen = new Map<string, string | null>();

  /** The region (alpha-2, upper case) a cell names; null when it names none we know. */
  regionOf(cell: string): string | null {
    return this.regionAt(cell, 0, cell.length);
  }

  /**
   * regionOf() of the cell text[start, end): a two-character cell (nearly all of them) by its
   * codes, with no string made once its answer is known.
   */
  regionAt(text: string, start: number, end: number): string | null {
    if (end - start === 2) {
      const first = text.charCodeAt(start);
      const second = text.charCodeAt(start + 1);
      if (first < 128 && second < 128) {
        const slot = first * 128 + second;
        let region = this.#twoChars[slot];
        if (region === undefined) region = this.#twoChars[slot] = lookUp(text.slice(start, end));
        return region;
      }
    }
    const cell = text.slice(start, end);
    let region = this.#seen.get(cell);
    if (region === undefined) {
      region = lookUp(cell);
      if (this.#seen.size < 10_000) this.#seen.set(cell, region);
    }
    return region;
  }
}

let names: Map<string, string> | undefined;

function lookUp(cell: string): string | null {
  const key = nameKey(cell);
  if (key.length === 2) {
    const code = key.toUpperCase();
    return isSupportedCountry(code) ? code : null;
  }
  names ??= loadNames();
  const code = names.get(key);
  return code !== undefined && isSupportedCountry(code) ? code : null;
}

/** Lower case, no accents, single spaces: `  CÔTE  d'Ivoire` and `cote d'ivoire` meet. */
function nameKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

function loadNames(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const countries = require('i18n-iso-countries/index.js') as Countries;
  countries.registerLocale(require('i18n-iso-countries/langs/en.json'));
  const byKey = new Map<string, string>();
  for (const [alpha3, alpha2] of Object.entries(countries.getAlpha3Codes())) byKey.set(nameKey(alpha3), alpha2);
  for (const [alpha2, spellings] of Object.entries(countries.getNames('en', { select: 'all' }))) {
    for (const name of spellings) byKey.set(nameKey(name), alpha2);
  }
  return byKey;
}
