import { main } from './main.js';

// The process entry: bin/wa-check.js imports this; tests run the CLI as a child process.
main(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`wa-check: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
