import { closest, distance } from 'fastest-levenshtein';

/**
 * The message for an option parseArgs does not know, with the nearest option of the command's
 * help ("did you mean '--dry-run'?"), or undefined when the error is not about an unknown option.
 */
export function unknownOptionMessage(error: Error, help: string): string | undefined {
  const match = /Unknown option '([^']+)'/.exec(error.message);
  if (!match) return undefined;
  const given = match[1]!;
  const name = given.split('=')[0]!;
  const known = [...new Set(help.match(/--[a-z][a-z-]*/g) ?? [])];
  const nearest = known.length > 0 ? closest(name, known) : undefined;
  // A third of the name may be wrong: '--dryrun', '--ouput', '--countyr' are found, '--x' is not.
  const close = nearest !== undefined && distance(name, nearest) <= Math.max(2, Math.floor(name.length / 3));
  return `Unknown option '${given}'.${close ? ` Did you mean '${nearest}'?` : ''}`;
}
