import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Regions of the sample lists: calling code, a mobile prefix, digits after it, trunk prefix. */
const REGIONS: ReadonlyArray<{ region: string; cc: string; prefix: string; rest: number; trunk: string }> = [
  { region: 'CH', cc: '41', prefix: '79', rest: 7, trunk: '0' },
  { region: 'DE', cc: '49', prefix: '151', rest: 8, trunk: '0' },
  { region: 'US', cc: '1', prefix: '201555', rest: 4, trunk: '' },
  { region: 'GB', cc: '44', prefix: '7400', rest: 6, trunk: '0' },
  { region: 'FR', cc: '33', prefix: '6', rest: 8, trunk: '0' },
  { region: 'BR', cc: '55', prefix: '1196', rest: 7, trunk: '0' },
  { region: 'IN', cc: '91', prefix: '81', rest: 8, trunk: '0' },
  { region: 'JP', cc: '81', prefix: '90', rest: 8, trunk: '0' },
  { region: 'ES', cc: '34', prefix: '6', rest: 8, trunk: '' },
  { region: 'IT', cc: '39', prefix: '31', rest: 8, trunk: '' },
  { region: 'MX', cc: '52', prefix: '222', rest: 7, trunk: '' },
  { region: 'NG', cc: '234', prefix: '802', rest: 7, trunk: '0' },
  { region: 'ZA', cc: '27', prefix: '71', rest: 7, trunk: '0' },
  { region: 'AU', cc: '61', prefix: '4', rest: 8, trunk: '0' },
];

const JUNK = ['n/a', '', '12345', 'call me', '+99912', '000', 'unknown', '+41 79'];
/** What CRM exports hold where a number should be: placeholders, e-mails, stubs, spreadsheet errors. */
const CRM_JUNK = [
  '',
  'N/A',
  '-',
  'none',
  'tbd',
  'see notes',
  'jane.doe@example.com',
  '#N/A',
  '0000000',
  '+1',
  '123',
  'x',
];

/**
 * The shapes of list the generator makes:
 * - `mixed`: the generator's first shape: 35% E.164, 10% repeats, 3% junk.
 * - `crm`: a list shaped like real CRM exports: ~80% unique numbers, 80% of spellings not E.164
 *   (spaced, dashed, `00`, `tel:`, parentheses, national with a country column), 1.5% junk.
 */
export type SampleShape = 'mixed' | 'crm';

const SHAPE_DEFAULTS: Record<SampleShape, { duplicateShare: number; junkShare: number; e164Share: number }> = {
  mixed: { duplicateShare: 0.1, junkShare: 0.03, e164Share: 0.35 },
  crm: { duplicateShare: 0.15, junkShare: 0.015, e164Share: 0.2 },
};

export interface SampleListOptions {
  /** Data rows. */
  rows: number;
  /** The same seed gives the same list. */
  seed: string;
  /** Share of rows repeating an earlier row's number, in another spelling. @default 0.1 */
  duplicateShare?: number;
  /** Share of rows that are junk. @default 0.03 */
  junkShare?: number;
  /** Share of rows whose number comes from the list with this seed (a list checked before). */
  overlap?: { seed: string; share: number } | undefined;
  /** Share of rows spelled in E.164 exactly; the rest in the messy spellings. @default 0.35 */
  e164Share?: number;
  /** The shape of list: its spellings, junk and default shares (see SampleShape). @default 'mixed' */
  shape?: SampleShape;
}

export interface SampleRow {
  name: string;
  phone: string;
  country: string;
}

/** A realistic messy list of phone numbers, deterministic from its seed. */
export function* sampleRows(options: SampleListOptions): Generator<SampleRow> {
  const seed = seedOf(options.seed);
  const overlapSeed = options.overlap ? seedOf(options.overlap.seed) : 0;
  const shape = options.shape ?? 'mixed';
  const defaults = SHAPE_DEFAULTS[shape];
  const duplicateShare = options.duplicateShare ?? defaults.duplicateShare;
  const junkShare = options.junkShare ?? defaults.junkShare;
  const e164Share = options.e164Share ?? defaults.e164Share;
  const junk = shape === 'crm' ? CRM_JUNK : JUNK;
  const spell = shape === 'crm' ? spellCrm : spellMixed;
  for (let i = 0; i < options.rows; i++) {
    const roll = unit(seed, i, 1);
    const name = `contact ${i + 1}`;
    if (roll < junkShare) {
      yield { name, phone: junk[Math.floor(unit(seed, i, 2) * junk.length)]!, country: '' };
      continue;
    }
    let source = seed;
    let index = i;
    if (options.overlap && unit(seed, i, 3) < options.overlap.share) {
      source = overlapSeed;
      index = Math.floor(unit(seed, i, 4) * Math.max(1, options.rows));
    } else if (i > 0 && unit(seed, i, 5) < duplicateShare) {
      index = Math.floor(unit(seed, i, 6) * i);
    }
    const { region, cc, national, trunk } = numberAt(source, index);
    yield {
      name,
      phone: spell(cc, national, trunk, unit(seed, i, 7), e164Share),
      country: unit(seed, i, 8) < 0.9 ? region : '',
    };
  }
}

/** Writes a sample list as CSV (`name,phone,country`). */
export async function writeSampleCsv(path: string, options: SampleListOptions): Promise<void> {
  const out = createWriteStream(path);
  let text = 'name,phone,country\n';
  for (const row of sampleRows(options)) {
    text += `${row.name},${row.phone.includes(',') ? `"${row.phone}"` : row.phone},${row.country}\n`;
    if (text.length > 1 << 16) {
      if (!out.write(text)) await once(out, 'drain');
      text = '';
    }
  }
  out.end(text);
  await once(out, 'finish');
}

/** The `index`-th number of the list with this seed. */
function numberAt(seed: number, index: number): { region: string; cc: string; national: string; trunk: string } {
  const spec = REGIONS[Math.floor(unit(seed, index, 10) * REGIONS.length)]!;
  const subscriber = Math.floor(unit(seed, index, 11) * 10 ** spec.rest);
  return {
    region: spec.region,
    cc: spec.cc,
    national: `${spec.prefix}${String(subscriber).padStart(spec.rest, '0')}`,
    trunk: spec.trunk,
  };
}

function spellMixed(cc: string, national: string, trunk: string, roll: number, e164Share: number): string {
  if (roll < e164Share) return `+${cc}${national}`;
  const messy = (roll - e164Share) / (1 - e164Share);
  if (messy < 0.25) return `+${cc} ${group(national)}`;
  if (messy < 0.4) return `00${cc} ${national}`;
  if (messy < 0.55) return `${cc}${national}`;
  if (messy < 0.85) return `${trunk}${group(national)}`; // national: needs the country column
  return `+${cc}-${group(national).replace(/ /g, '-')}`;
}

/** The spellings of CRM exports: typed by hand, pasted from signatures and phones' contact cards. */
function spellCrm(cc: string, national: string, trunk: string, roll: number, e164Share: number): string {
  if (roll < e164Share) return `+${cc}${national}`;
  const messy = (roll - e164Share) / (1 - e164Share);
  if (messy < 0.15) return `+${cc} ${group(national)}`;
  if (messy < 0.25) return `+${cc}-${group(national).replace(/ /g, '-')}`;
  if (messy < 0.35) return `00${cc} ${group(national)}`;
  if (messy < 0.45) return `tel:+${cc}${national}`;
  if (messy < 0.5) return `${cc}${national}`;
  if (messy < 0.8) return `${trunk}${group(national)}`; // national: needs the country column
  if (messy < 0.9) return `(${trunk}${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
  return `${trunk}${national}`.replace(/(\d{3})(?=\d{3})/g, '$1.');
}

function group(digits: string): string {
  return digits.replace(/(\d{3})(?=\d{2})/g, '$1 ');
}

function seedOf(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/** A uniform number in [0, 1) from (seed, index, stream): a stateless hash, so any row can be made alone. */
function unit(seed: number, index: number, stream: number): number {
  let h = seed ^ Math.imul(index, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b);
  h ^= (index / 4294967296) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
