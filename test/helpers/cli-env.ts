import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { useFastSimulators } from './fast-sim.js';
import { useTempDirs } from './temp-dir.js';

export const CLI_TEST_KEY = 'sk_cli_test_key_do_not_leak_4f2a9c';

/** For a CLI test file: temp folders, simulators with the test key, and the CLI's environment for one. */
export function useCliTest() {
  const tempDir = useTempDirs();
  const { start } = useFastSimulators({ apiKey: CLI_TEST_KEY });

  function envFor(s: RunningSimulator, extra: Record<string, string> = {}): Record<string, string> {
    return { WA_CHECK_API_URL: s.url, WA_CHECK_API_KEY: CLI_TEST_KEY, WA_CHECK_USER_ID: 'cli-test', ...extra };
  }

  /** A `name,phone` CSV of Swiss numbers written nationally (`079...`). */
  async function inputCsv(numbers: readonly string[]): Promise<string> {
    const path = join(await tempDir(), 'input.csv');
    await writeFile(path, `name,phone\n${numbers.map((n, i) => `p${i},${n.replace(/^\+41/, '0')}`).join('\n')}\n`);
    return path;
  }

  return { tempDir, start, envFor, inputCsv };
}

export function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(','));
}
