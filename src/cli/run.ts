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
    // A failed write to stdout (the handler above) keeps its 1 over a success.
    process.exitCode = code || process.exitCode;
    if (argv[0] === 'check') exitOnceWritten();
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
function exitOnceWritten(): void {
  // A write that failed calls back first and emits 'error' after (on the next tick): the handler
  // above must have set process.exitCode before the exit reads it.
  const exit = () => {
    setImmediate(() => process.exit());
  };
  // Only a stream with writes still queued is waited for: an empty write of our own is not free
  // (on /dev/full it fails, and would turn a usage error's exit 2 into a write error's 1).
  const busy = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0 && !stream.destroyed);
  let pending = busy.length;
  if (pending === 0) {
    exit();
    return;
  }
  // A write's callback runs once it and all before it are handed to the OS.
  for (const stream of busy)
    stream.write('', () => {
      if (--pending === 0) exit();
    });
}
