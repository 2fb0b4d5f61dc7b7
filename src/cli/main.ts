import { isWaError } from '../errors.js';
import { CACHE_HELP, cacheCommand } from './cache-command.js';
import { CHECK_HELP, checkCommand, type CliEnvironment } from './check-command.js';
import { DEMO_HELP, demoCommand } from './demo-command.js';
import { UsageError } from './flags.js';
import { SERVE_HELP, serveCommand } from './serve-command.js';
import { SIMULATE_HELP, simulateCommand } from './simulate-command.js';

const MAIN_HELP = `Usage: wa-check <command> [options]

Tells which phone numbers in a list have WhatsApp, through the provider's paid bulk-check API,
paying once per number: answers are cached and numbers deduplicated before anything is uploaded.

Commands:
  check <input>    check a CSV, TXT or XLSX file of phone numbers
  demo             try it all on the built-in simulator: no key, no network
  simulate         run the local simulator of the provider's API
  cache            inspect, export or prune the local answer cache

Run 'wa-check <command> --help' for a command's options.
`;

const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

interface Command {
  help: string;
  run(argv: string[], io: CliEnvironment): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  check: { help: CHECK_HELP, run: checkCommand },
  demo: { help: DEMO_HELP, run: demoCommand },
  simulate: { help: SIMULATE_HELP, run: (argv, io) => simulateCommand(argv, io.stdout) },
  cache: { help: CACHE_HELP, run: cacheCommand },
  serve: { help: SERVE_HELP, run: serveCommand },
};

/** Runs the CLI and returns its exit code. Errors print their code and one helpful line. */
export async function main(argv: string[], io: CliEnvironment): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(MAIN_HELP);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
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
      io.stderr.write(`wa-check ${name}: ${(error as Error).message}\n\nRun 'wa-check ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (isWaError(error)) io.stderr.write(`wa-check: ${error.code}: ${error.message}\n`);
    else io.stderr.write(`wa-check: ${(error as Error)?.message ?? String(error)}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT_ERROR;
  }
}
