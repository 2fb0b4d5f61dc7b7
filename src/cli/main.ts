import { isWaError } from '../errors.js';
import { UsageError } from './flags.js';
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
  run(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  simulate: async () => ({ help: SIMULATE_HELP, run: (argv, out) => simulateCommand(argv, out) }),
};

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(MAIN_HELP);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    err.write(`wa-check: unknown command '${name}'.\n\n${MAIN_HELP}`);
    return EXIT_USAGE;
  }
  const command = await load();
  const debug = rest.includes('--debug');
  try {
    return await command.run(rest.filter((arg) => arg !== '--debug'), out, err);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`wa-check ${name}: ${(error as Error).message}\n\n${command.help}`);
      return EXIT_USAGE;
    }
    if (isWaError(error)) err.write(`wa-check: ${error.code}: ${error.message}\n`);
    else err.write(`wa-check: ${(error as Error)?.message ?? String(error)}\n`);
    if (debug && error instanceof Error && error.stack) err.write(`${error.stack}\n`);
    return EXIT_ERROR;
  }
}
