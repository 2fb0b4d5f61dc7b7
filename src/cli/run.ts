import { main } from './main.js';

// A reader that leaves (`| head`) is handled where results are written; an 'error' event that
// comes after that must not turn into a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') return;
  process.stderr.write(`wa-check: cannot write to standard output: ${error.message}\n`);
  process.exitCode = 1;
});

// The process entry: bin/wa-check.js imports this; tests run the CLI as a child process.
const argv = process.argv.slice(2);
main(argv, {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
    if (argv[0] === 'check') exitOnceWritten(code);
  },
  (error: unknown) => {
    process.stderr.write(`wa-check: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

/**
 * Ends the process as soon as what it wrote to stdout and stderr is out, rather than when the
 * event loop empties: a natural exit first tears down V8's heap page by page, ~30 ms after a
 * 2M-row job (of ~2 s). Only for `check`, whose work is over when main() returns (`simulate`
 * returns while its server runs). Everything the job opened is closed by then.
 */
function exitOnceWritten(code: number): void {
  let pending = 2;
  const written = () => {
    if (--pending === 0) process.exit(code);
  };
  // A write's callback runs once it and all before it are handed to the OS.
  process.stdout.write('', written);
  process.stderr.write('', written);
}
