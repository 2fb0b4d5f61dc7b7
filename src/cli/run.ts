import { main } from './main.js';

// The process entry: bin/wa-check.js imports this, tests import main() instead.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`wa-check: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
