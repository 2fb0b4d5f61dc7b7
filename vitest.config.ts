import { defineConfig } from 'vitest/config';

/** Thorough suites that take minutes (million-number differentials, kills across a whole job). */
const SLOW = 'test/**/*.slow.test.ts';

export default defineConfig({
  test: {
    // Once per run, for every project: CLI, crash and worker tests start the compiled dist/.
    globalSetup: ['test/setup/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers, LevelDB folders and CLI processes, and wait on them: three files
    // at once keep two cores busy (measured: 113 s against 135 s for two).
    pool: 'forks',
    maxWorkers: 3,
    projects: [
      // `npm test`: the suite people run often, in two minutes on two cores.
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: [SLOW] } },
      // `npm run test:slow`: CI runs it after `npm test`.
      { extends: true, test: { name: 'slow', include: [SLOW], testTimeout: 600_000, hookTimeout: 300_000 } },
    ],
  },
});
