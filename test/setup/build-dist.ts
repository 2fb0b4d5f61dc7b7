import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Vitest calls the setup for the root and for each project, in one process: build once. */
const BUILD = Symbol.for('wa-bulk-checker.test.build-dist');

/**
 * Vitest global setup: compiles `dist/` once before any test file runs. The CLI, crash and worker
 * tests start `dist/` in child processes, so without this a bare `npx vitest run` after an edit
 * would test the previous build.
 */
export default function buildDist(): Promise<void> {
  const memo = globalThis as { [BUILD]?: Promise<void> };
  memo[BUILD] ??= compile();
  return memo[BUILD];
}

async function compile(): Promise<void> {
  // The package's own compiler (its `exports` hide `bin/`, not `package.json`).
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
    // As `npm run build` does: the digit path's automata, built ahead (src/normalize/automata-store.ts).
    await promisify(execFile)(process.execPath, ['scripts/build-automata.mjs'], { cwd: root });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`Building dist/ before the tests failed:\n${stdout}${stderr}`);
  }
}
