import { ErrorCodes, WaError } from '../errors.js';

/** Header names that mean "the phone number", compared without case or separators. */
const PHONE_HEADERS = [
  'phone',
  'phonenumber',
  'phoneno',
  'mobile',
  'mobilenumber',
  'mobilephone',
  'cell',
  'cellphone',
  'cellnumber',
  'msisdn',
  'tel',
  'telephone',
  'telefon',
  'telefono',
  'telephonenumber',
  'number',
  'whatsapp',
  'whatsappnumber',
  'e164',
];
const COUNTRY_HEADERS = ['country', 'countrycode', 'region', 'iso', 'iso2', 'cc', 'land', 'pais', 'pays'];

/** A column named by header, or by position (the first column is 1). */
export type ColumnRef = string | number;

export interface ColumnChoice {
  /** Whether the first row is a header, to be skipped. */
  hasHeader: boolean;
  phone: number;
  country: number | undefined;
}

export function headerKey(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[\s_\-.#]/g, '');
}

/** Text that reads like a phone number: mostly digits and phone punctuation, 7 digits or more. */
export function looksLikePhone(text: string | undefined): boolean {
  if (!text) return false;
  const trimmed = text.trim();
  if (trimmed.length > 40 || !/^(tel:)?[\d\s+()\-./]+((ext|x)\.?\s*\d+)?$/i.test(trimmed)) return false;
  let digits = 0;
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
  }
  return digits >= 7;
}

/**
 * Picks the phone column (and the country column) from a sample of the first rows: the column
 * the user named, else the one whose header reads like a phone column, else the one whose values
 * look most like phone numbers. Throws WA_INVALID_OPTION when a named column is not there.
 */
export function chooseColumns(
  sample: readonly string[][],
  options: { column?: ColumnRef | undefined; countryColumn?: ColumnRef | undefined },
): ColumnChoice {
  const first = sample[0] ?? [];
  const headers = first.map(headerKey);
  const width = Math.max(1, ...sample.map((row) => row.length));

  const byName = (ref: string, what: string): number => {
    const index = headers.indexOf(headerKey(ref));
    if (index < 0) {
      throw new WaError(
        ErrorCodes.INVALID_OPTION,
        `The ${what} '${ref}' is not in the header row, which reads: ${first.map((cell) => `'${cell}'`).join(', ') || '(empty)'}.`,
      );
    }
    return index;
  };
  const byPosition = (position: number, what: string): number => {
    if (!Number.isInteger(position) || position < 1 || position > width) {
      throw new WaError(
        ErrorCodes.INVALID_OPTION,
        `The ${what} ${position} does not exist: positions start at 1 and the rows have ${width} columns.`,
      );
    }
    return position - 1;
  };
  const resolve = (ref: ColumnRef, what: string) =>
    isName(ref) ? byName(String(ref), what) : byPosition(Number(ref), what);

  // A first row whose cell in the phone column is not a number, above rows whose cells are.
  const headerByValues = (column: number) =>
    sample.length > 1 && !looksLikePhone(first[column]) && sample.slice(1).some((row) => looksLikePhone(row[column]));
  const namedHeader = PHONE_HEADERS.map((name) => headers.indexOf(name)).find((index) => index >= 0) ?? -1;
  let phone: number;
  let hasHeader: boolean;
  if (options.column !== undefined) {
    phone = resolve(options.column, 'phone column');
    hasHeader = isName(options.column) || headerByValues(phone);
  } else if (namedHeader >= 0) {
    phone = namedHeader;
    hasHeader = true;
  } else {
    phone = mostPhoneLike(sample.length > 1 ? sample.slice(1) : sample, width);
    hasHeader = headerByValues(phone);
  }

  let country: number | undefined;
  if (options.countryColumn !== undefined) country = resolve(options.countryColumn, 'country column');
  else if (hasHeader) {
    const found = headers.findIndex((key) => COUNTRY_HEADERS.includes(key));
    country = found >= 0 && found !== phone ? found : undefined;
  }
  return { hasHeader, phone, country };
}

/** A header name, as opposed to a position (a number, or digits as text from the command line). */
function isName(ref: ColumnRef): boolean {
  return typeof ref === 'string' && !/^\d+$/.test(ref);
}

function mostPhoneLike(rows: readonly string[][], width: number): number {
  let best = 0;
  let bestScore = -1;
  for (let column = 0; column < width; column++) {
    const score = rows.reduce((sum, row) => sum + (looksLikePhone(row[column]) ? 1 : 0), 0);
    if (score > bestScore) {
      best = column;
      bestScore = score;
    }
  }
  return best;
}
