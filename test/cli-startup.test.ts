import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { useTempDirs } from './helpers/temp-dir.js';

const PRELOAD = fileURLToPath(new URL('./helpers/loaded-modules.cjs', import.meta.url));
const tempDir = useTempDirs();

/** Runs `wa-check check` on a small list in a dry run; returns the CommonJS modules its main thread loaded. */
async function modulesLoadedBy(outputName: string): Promise<string[]> {
  const dir = await tempDir();
  const input = join(dir, 'list.csv');
  await writeFile(input, 'name,phone,country\na,+41791234567,CH\nb,079 123 45 68,CH\n');
  const loaded = join(dir, 'loaded.json');
  const run = await runCli(['check', input, '--dry-run', '--cache', join(dir, 'cache'), '-o', join(dir, outputName)], {
    NODE_OPTIONS: `--require ${PRELOAD}`,
    LOADED_MODULES_FILE: loaded,
  });
  expect(run.stderr).toContain('Dry run');
  expect(run.code).toBe(0);
  return JSON.parse(await readFile(loaded, 'utf8')) as string[];
}

const loadsExcelJs = (modules: string[]) => modules.some((path) => path.includes('/node_modules/exceljs/'));

describe('wa-check check start-up', () => {
  test('a job writing CSV does not load exceljs (~300 ms of CPU at start-up)', async () => {
    expect(loadsExcelJs(await modulesLoadedBy('out.csv'))).toBe(false);
  });

  test('a job writing XLSX loads it (the preload sees exceljs where it is used)', async () => {
    expect(loadsExcelJs(await modulesLoadedBy('out.xlsx'))).toBe(true);
  });
});
