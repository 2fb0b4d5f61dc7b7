import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);

/** What a package consumer gets from an entry point, loaded by name as they would (Node's self-reference). */
async function exportsOf(specifier: string): Promise<string[]> {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd() });
  return JSON.parse(stdout) as string[];
}

test('the package root exports what a library user needs, and no internals', async () => {
  expect(await exportsOf('wa-bulk-checker')).toEqual(
    [
      'CheckJob',
      'CreateUnconfirmedError',
      'DEFAULT_API_URL',
      'ErrorCodes',
      'LevelResultCache',
      'MemoryResultCache',
      'MemoryTaskJournal',
      'ProviderUnreachableError',
      'RetryLaterError',
      'TaskSizeError',
      'TaskStalledError',
      'WaClient',
      'WaError',
      'checkNumbers',
      'formatOfPath',
      'isWaError',
      'normalizeNumber',
      'repairCache',
      'verifyCache',
      'writeResults',
    ].sort(),
  );
});

test('the simulator is at wa-bulk-checker/simulator, not at the root', async () => {
  const names = await exportsOf('wa-bulk-checker/simulator');
  expect(names).toContain('startSimulator');
  expect(await exportsOf('wa-bulk-checker')).not.toContain('startSimulator');
});

test('the contract suites are at wa-bulk-checker/testing', async () => {
  expect(await exportsOf('wa-bulk-checker/testing')).toEqual(
    expect.arrayContaining(['resultCacheContract', 'taskJournalContract']),
  );
});
