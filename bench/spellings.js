// normalizeNumber's CPU cost per spelling of a CRM-shaped list (issue #18): which spellings are
// dear, next to the library-only rules on the same rows, and next to what the input worker pays
// for a row's key: normalizeToKey, and normalizeNumber + e164ToKey as it was before.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { getCountryCallingCode } from 'libphonenumber-js/max';
import { e164ToKey } from '../dist/dedupe/number-table.js';
import {
  normalizeNumber,
  normalizeNumberByLibrary,
  normalizeToKey,
  toRegion,
} from '../dist/normalize/normalize-number.js';
import { sampleFile } from './lib/data.js';
import { fmt, table } from './lib/report.js';

const ROWS = 400_000;
/** Rows per spelling the library-only rules read: at ~15 us a row, all of them would take minutes. */
const LIBRARY_ROWS = 2_000;

export async function run(args) {
  const rows = Number(args[0] ?? ROWS);
  const file = await sampleFile(rows, 'bench', { shape: 'crm' });
  const groups = new Map();
  for (const [phone, region] of await phoneCells(file)) {
    const key = `${spelling(phone, region)}${region ? '' : ', no country'}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push([phone, region]);
  }
  // One pass over every row first: the patterns are compiled on first use, not in the timed passes.
  for (const list of groups.values()) for (const [phone, region] of list) normalizeNumber(phone, region);
  const results = [];
  let totalNs = 0;
  let keyNs = 0;
  let keyByStringNs = 0;
  let total = 0;
  for (const [name, list] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    const ours = cpuNsPerRow(list, normalizeNumber, 5);
    const key = cpuNsPerRow(list, normalizeToKey, 5);
    const keyByString = cpuNsPerRow(list, keyOfE164, 5);
    const library = cpuNsPerRow(list.slice(0, LIBRARY_ROWS), normalizeNumberByLibrary, 2);
    totalNs += ours * list.length;
    keyNs += key * list.length;
    keyByStringNs += keyByString * list.length;
    total += list.length;
    results.push([
      name,
      fmt(list.length),
      fmt(ours),
      fmt(library),
      `${(library / ours).toFixed(1)}x`,
      fmt(key),
      fmt(keyByString),
    ]);
  }
  results.push(['all rows', fmt(total), fmt(totalNs / total), '', '', fmt(keyNs / total), fmt(keyByStringNs / total)]);
  table(
    `normalizeNumber per spelling, ${fmt(total)} rows of a CRM-shaped list (CPU ns per row, best of 5 passes; the library: best of 2 over the first 2,000 rows)`,
    [
      'spelling',
      'rows',
      'normalizeNumber',
      'library-only rules',
      'vs library',
      'normalizeToKey',
      'normalizeNumber + e164ToKey',
    ],
    results,
  );
}

/** A row's key as the input worker made it before normalizeToKey: from the E.164 string. */
function keyOfE164(phone, region) {
  const normalized = normalizeNumber(phone, region);
  return normalized.ok ? e164ToKey(normalized.e164) : 0;
}

/** CPU time per row of `normalize` over `list`, the best of `passes`. */
function cpuNsPerRow(list, normalize, passes) {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < passes; pass++) {
    const start = process.cpuUsage();
    for (let i = 0; i < list.length; i++) normalize(list[i][0], list[i][1]);
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / list.length);
  }
  return best;
}

/** The phone and region of each row (the sample list's columns: name, phone, country). */
async function phoneCells(file) {
  const cells = [];
  let header = true;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (header) {
      header = false;
      continue;
    }
    const fields = line.split(',');
    if (fields.length === 3) cells.push([fields[1], toRegion(fields[2])]);
  }
  return cells;
}

/** The shape of a phone cell, as bench/README.md names them. */
function spelling(phone, region) {
  const text = phone.trim();
  if (/^\+\d+$/.test(text)) return 'E.164';
  if (/^tel:/i.test(text)) return 'tel:+';
  if (text.startsWith('+')) return 'international, separated';
  const digits = text.replace(/[\s().\-/]/g, '');
  if (!/^\d+$/.test(digits)) return 'junk';
  if (digits.startsWith('00')) return '00 and the calling code';
  if (region && digits.startsWith(getCountryCallingCode(region))) return 'calling code, no +';
  if (digits.startsWith('0')) return text.startsWith('(') ? 'national, (0..) parentheses' : 'national, trunk 0';
  return text.includes('.') ? 'national, dots' : text.includes('-') ? 'national, dashes' : 'national, no trunk 0';
}
