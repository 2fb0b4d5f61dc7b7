import { readFileSync } from 'node:fs';
import { isWaError } from '../errors.js';
import type { CliEnvironment } from './check-command.js';
import { UsageError } from './flags.js';
import { unknownOptionMessage } from './suggest.js';

const MAIN_HELP = `Usage: wa-check <command> [options]

Tells which phone numbers in a list have WhatsApp, through the provider's paid bulk-check API,
paying once per number: answers are cached and numbers deduplicated before anything is uploaded.

Commands:
  check <input>    check a CSV, TXT or XLSX file of phone numbers
  demo             try it all on the built-in simulator: no key, no network
  simulate         run the local simulator of the provider's API
  cache            inspect, export or prune the local answer cache
  serve            the provider's API for your own clients, with this cache in front

Run 'wa-check help <command>' (or 'wa-check <command> --help') for a command's options,
'wa-check --version' for the version.
`;

const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

interface Command {
  help: string;
  run(argv: string[], io: CliEnvironment): Promise<number>;
}

// Loaded on use: `--version`, `help` and a typo answer without loading the job, LevelDB and the
// simulator (a third of a second of start-up).
const COMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => {
    const { CHECK_HELP, checkCommand } = await import('./check-command.js');
    return { help: CHECK_HELP, run: checkCommand };
  },
  demo: async () => {
    const { DEMO_HELP, demoCommand } = await import('./demo-command.js');
    return { help: DEMO_HELP, run: demoCommand };
  },
  simulate: async () => {
    const { SIMULATE_HELP, simulateCommand } = await import('./simulate-command.js');
    return { help: SIMULATE_HELP, run: (argv, io) => simulateCommand(argv, io.stdout) };
  },
  cache: async () => {
    const { CACHE_HELP, cacheCommand } = await import('./cache-command.js');
    return { help: CACHE_HELP, run: cacheCommand };
  },
  serve: async () => {
    const { SERVE_HELP, serveCommand } = await import('./serve-command.js');
    return { help: SERVE_HELP, run: serveCommand };
  },
};

function commandNamed(name: string): Promise<Command> | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]!() : undefined;
}

/** Runs the CLI and returns its exit code. Errors print their code and one helpful line. */
export async function main(argv: string[], io: CliEnvironment): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`wa-check ${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help' && rest[0] !== undefined) {
    const topic = await commandNamed(rest[0]);
    if (topic) {
      io.stdout.write(topic.help);
      return 0;
    }
    io.stderr.write(`wa-check: no help on '${rest[0]}': it is not a command.\n\n${MAIN_HELP}`);
    return EXIT_USAGE;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(MAIN_HELP);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === 'check') await prewarmInputWorkers(rest);
  const command = await commandNamed(name);
  if (!command) {
    io.stderr.write(`wa-check: unknown command '${name}'.\n\n${MAIN_HELP}`);
    return EXIT_USAGE;
  }
  const debug = rest.includes('--debug');
  try {
    return await command.run(
      rest.filter((arg) => arg !== '--debug'),
      io,
    );
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const message = unknownOptionMessage(error as Error, command.help) ?? (error as Error).message;
      io.stderr.write(`wa-check ${name}: ${message}\n\nRun 'wa-check ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    // An option or column that does not fit the input is a usage mistake too, found a little later.
    if (isWaError(error, 'WA_INVALID_OPTION')) {
      io.stderr.write(`wa-check: ${error.code}: ${error.message}\n\nRun 'wa-check ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (isWaError(error)) io.stderr.write(`wa-check: ${error.code}: ${error.message}\n`);
    else io.stderr.write(`wa-check: ${(error as Error)?.message ?? String(error)}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT_ERROR;
  }
}

/**
 * Starts the input workers of `check` before its modules load, so that both threads load theirs
 * at once (~0.3 s of start-up each). Not for help or stdin ('-'), which read no file in a worker.
 */
async function prewarmInputWorkers(args: readonly string[]): Promise<void> {
  if (args.includes('-') || args.includes('--help') || args.includes('-h')) return;
  const { defaultThreads, prewarmIngestWorkers } = await import('../worker/ingest-pool.js');
  const flag = args.findIndex((arg) => arg === '--threads' || arg.startsWith('--threads='));
  const value = flag < 0 ? undefined : Number(args[flag]!.includes('=') ? args[flag]!.split('=')[1] : args[flag + 1]);
  // A bad value is for the command to report; the workers are simply not prewarmed.
  if (value === undefined) prewarmIngestWorkers(defaultThreads());
  else if (Number.isInteger(value) && value >= 1 && value <= 16) prewarmIngestWorkers(value);
}

/** The version in package.json (two folders up from src/cli and from dist/cli alike). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
