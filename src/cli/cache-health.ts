import { type CacheRepair, type CacheVerification, repairCache, verifyCache } from '../store/cache-repair.js';
import type { CliEnvironment } from './check-command.js';

/** Exit code of a verify that found damage: a failure a script can test, with the way out named. */
export const EXIT_DAMAGED = 1;

/**
 * `wa-check cache verify`: reads the folder through without changing its answers and says what is
 * wrong, if anything. Exit 0 when sound, 1 when damaged (with the command that mends it).
 */
export async function verifyCommand(dir: string, io: CliEnvironment): Promise<number> {
  const report = await verifyCache(dir);
  io.stdout.write(formatVerification(report));
  return report.ok ? 0 : EXIT_DAMAGED;
}

/** `wa-check cache repair`: mends the folder from the two copies every answer has. */
export async function repairCommand(dir: string, io: CliEnvironment): Promise<number> {
  const report = await repairCache(dir);
  io.stdout.write(formatRepair(report));
  const after = await verifyCache(dir);
  io.stdout.write(`After repair:     ${after.ok ? 'sound' : 'still damaged'}\n`);
  return after.ok ? 0 : EXIT_DAMAGED;
}

export function formatVerification(report: CacheVerification): string {
  const lines = [
    `Cache folder:     ${report.path}`,
    `Answers:          ${report.answers.toLocaleString('en-US')} in LevelDB`,
    `Answer log:       ${report.logRecords.toLocaleString('en-US')} records, ${report.logDamagedRecords.toLocaleString('en-US')} failing their checksum`,
    `Lost by LevelDB:  ${report.lostFromDatabase.toLocaleString('en-US')} answers the log still holds`,
  ];
  if (report.error) lines.push(`Error:            ${report.error.code}: ${report.error.message}`);
  lines.push(
    report.ok
      ? 'Sound: every answer reads back, and the log agrees with LevelDB.'
      : `Damaged: nothing wrong is ever served, but answers may be paid for again. Mend it with: wa-check cache repair --cache ${report.path}`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatRepair(report: CacheRepair): string {
  return `${[
    `Cache folder:     ${report.path}`,
    `LevelDB repaired: ${report.repairedDatabase ? 'yes (it would not open or read through)' : 'not needed'}`,
    `Answers restored: ${report.restoredAnswers.toLocaleString('en-US')} from the answer log`,
    `Log records left out: ${report.logDamagedRecords.toLocaleString('en-US')} (failed their checksum; LevelDB's copy kept)`,
    `Open tasks:       ${report.openTasks.toLocaleString('en-US')} (collected by the next job)`,
  ].join('\n')}\n`;
}
