import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI, runCli } from './helpers/cli.js';
import { useRedisServers } from './helpers/redis-server.js';
import { useTempDirs } from './helpers/temp-dir.js';

const PRELOAD_CJS = fileURLToPath(new URL('./helpers/loaded-modules.cjs', import.meta.url));
const PRELOAD_ESM = fileURLToPath(new URL('./helpers/loaded-esm-modules.mjs', import.meta.url));
const STRING_PROTOTYPE_MODE = fileURLToPath(new URL('./helpers/string-prototype-mode.mjs', import.meta.url));
const tempDir = useTempDirs();
const startRedis = useRedisServers();

/**
 * Runs `wa-check check` on a small list in a dry run; returns what its main thread loaded: the
 * CommonJS modules' paths and the ES modules' URLs.
 */
async function modulesLoadedBy(outputName: string, extraArgs: string[] = []): Promise<string[]> {
  const dir = await tempDir();
  const input = join(dir, 'list.csv');
  await writeFile(input, 'name,phone,country\na,+41791234567,CH\nb,079 123 45 68,CH\n');
  const loadedCjs = join(dir, 'loaded.json');
  const loadedEsm = join(dir, 'loaded-esm.json');
  const run = await runCli(
    ['check', input, '--dry-run', '--cache', join(dir, 'cache'), '-o', join(dir, outputName), ...extraArgs],
    {
      NODE_OPTIONS: `--require ${PRELOAD_CJS} --import ${PRELOAD_ESM}`,
      LOADED_MODULES_FILE: loadedCjs,
      LOADED_ESM_FILE: loadedEsm,
    },
  );
  expect(run.stderr).toContain('Dry run');
  expect(run.code).toBe(0);
  const cjs = JSON.parse(await readFile(loadedCjs, 'utf8')) as string[];
  const esm = JSON.parse(await readFile(loadedEsm, 'utf8')) as string[];
  return [...cjs, ...esm];
}

const loads = (modules: string[], part: string) => modules.some((path) => path.includes(part));

describe('wa-check check start-up', () => {
  test('a job writing CSV does not load exceljs (~300 ms of CPU at start-up)', async () => {
    expect(loads(await modulesLoadedBy('out.csv'), '/node_modules/exceljs/')).toBe(false);
  });

  test('a job writing XLSX loads it (the preload sees exceljs where it is used)', async () => {
    expect(loads(await modulesLoadedBy('out.xlsx'), '/node_modules/exceljs/')).toBe(true);
  });

  test('a CSV job loads in its main thread neither ioredis, nor the normalizer, nor the result-file readers', async () => {
    const modules = await modulesLoadedBy('out.csv');
    // The ES modules are seen (so the absences below can fail): the job's own, and level's.
    expect(loads(modules, '/dist/job/job-state.js')).toBe(true);
    expect(loads(modules, '/node_modules/classic-level/')).toBe(true);
    const unexpected = [
      '/node_modules/ioredis/', // ~115 ms: only a fleet (`redis`) connects
      '/node_modules/libphonenumber-js/', // ~75 ms: a file is normalized in the input worker
      '/dist/normalize/',
      '/dist/input/read-input.js',
      '/node_modules/saxes/', // ~55 ms with yauzl: only a task's result file is read with them
      '/node_modules/yauzl/',
      '/dist/api/result-reader.js',
    ].filter((part) => loads(modules, part));
    expect(unexpected).toEqual([]);
  });

  test('a job naming a country checks it with libphonenumber, loaded then', async () => {
    expect(loads(await modulesLoadedBy('out.csv', ['--country', 'ch']), '/node_modules/libphonenumber-js/')).toBe(true);
  });

  test('a CSV job keeps String.prototype fast in its main thread (ioredis made every string call ~3x dearer)', async () => {
    expect(await stringPrototypeFastAfterJob({})).toBe(true);
    // The check can fail: a class extending String, as ioredis defines one, turns it slow.
    expect(await stringPrototypeFastAfterJob({ EXTEND_STRING: '1' })).toBe(false);
  });

  test('a fleet job (`--cache redis://`) loads ioredis and still keeps String.prototype fast', async () => {
    const server = await startRedis();
    expect(await stringPrototypeFastAfterJob({}, ['--cache', server.url])).toBe(true);
  });
});

/** Runs a CSV dry run with the String.prototype preload (a folder cache unless `cache` says); returns what it saw at exit. */
async function stringPrototypeFastAfterJob(env: Record<string, string>, cache?: string[]): Promise<boolean> {
  const dir = await tempDir();
  const input = join(dir, 'list.csv');
  await writeFile(input, 'name,phone,country\na,+41791234567,CH\n');
  const result = join(dir, 'mode.json');
  const args = ['--allow-natives-syntax', '--import', STRING_PROTOTYPE_MODE, CLI, 'check', input, '--dry-run'];
  const child = spawn(
    process.execPath,
    [...args, ...(cache ?? ['--cache', join(dir, 'cache')]), '-o', join(dir, 'out.csv')],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', STRING_PROTOTYPE_FILE: result, ...env },
      stdio: 'ignore',
    },
  );
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  return JSON.parse(await readFile(result, 'utf8')) as boolean;
}
