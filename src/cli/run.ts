import { main } from './main.js';

// A reader that leaves (`| head`) is handled where results are written; an 'error' event that
// comes after that must not turn into a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') return;
  process.stderr.write(`wa-check: cannot write to standard output: ${error.message}\n`);
  process.exitCode = 1;
});

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
