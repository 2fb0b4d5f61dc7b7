import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { storageError } from '../store/cache-folder.js';
import { ErrorCodes, WaError } from '../errors.js';
import { type ClientUsage, UsageLedger } from './usage-ledger.js';

/**
 * The per-client ledger of a gateway's state folder (the cache folder, or `--state` with Redis),
 * read without starting the gateway. The folder is opened as it is, never created; while the
 * gateway runs it is locked (`WA_CACHE_LOCKED`): ask `GET /__gateway/usage` instead.
 */
export async function readUsage(stateDir: string): Promise<Record<string, ClientUsage>> {
  const exists = await stat(join(stateDir, 'CURRENT')).then(
    () => true,
    () => false,
  );
  if (!exists) {
    throw new WaError(ErrorCodes.INVALID_OPTION, `${stateDir} holds no gateway state (no LevelDB folder there).`);
  }
  const db = new Level<string, string>(stateDir, {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    createIfMissing: false,
  });
  try {
    await db.open();
  } catch (error) {
    const failure = storageError(stateDir, error);
    if (failure.code === ErrorCodes.CACHE_LOCKED) {
      throw new WaError(
        ErrorCodes.CACHE_LOCKED,
        `${stateDir} is in use (is the gateway running?). While it runs, read GET /__gateway/usage with the admin key.`,
        { cause: error },
      );
    }
    throw failure;
  }
  try {
    return (await UsageLedger.open(db)).snapshot();
  } finally {
    await db.close();
  }
}

const COLUMNS: ReadonlyArray<[keyof ClientUsage, string]> = [
  ['submitted', 'submitted'],
  ['invalid', 'invalid'],
  ['fromCache', 'from cache'],
  ['joined', 'joined'],
  ['paidUpstream', 'paid'],
  ['topUp', 'top-up'],
  ['belowMinimum', 'below min'],
  ['refused', 'refused (402)'],
];

/** The ledger as a table, one row per client (by name) and a total; every figure is of numbers. */
export function formatUsageTable(usage: Record<string, ClientUsage>): string {
  const names = Object.keys(usage).sort();
  if (names.length === 0) return 'No client has used this gateway yet.\n';
  const total = Object.fromEntries(
    COLUMNS.map(([field]) => [field, names.reduce((sum, name) => sum + usage[name]![field], 0)]),
  ) as unknown as ClientUsage;
  const rows = [
    ['client', ...COLUMNS.map(([, title]) => title)],
    ...[...names.map((name) => [name, usage[name]!] as const), ['total', total] as const].map(([name, counts]) => [
      name,
      ...COLUMNS.map(([field]) => counts[field].toLocaleString('en-US')),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  '),
    )
    .join('\n')}\n`;
}
