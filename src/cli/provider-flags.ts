import { readFile } from 'node:fs/promises';
import { DEFAULT_API_URL } from '../api/client.js';
import { UsageError } from './flags.js';

/** The API key from `--api-key-file`, or else from WA_CHECK_API_KEY; errors name the option, never the key. */
export async function readApiKey(keyFile: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (keyFile === undefined) return env.WA_CHECK_API_KEY || undefined;
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'it cannot be read (permission denied)'
            : `it cannot be read (${code ?? 'unknown error'})`;
    throw new UsageError(`--api-key-file '${keyFile}': ${why}.`);
  }
  const key = text.trim();
  if (!key) throw new UsageError(`--api-key-file '${keyFile}' is empty: put the API key in it.`);
  return key;
}

/** The provider's URL from `--api-url` or WA_CHECK_API_URL, checked here so that a typo is shown with a fix. */
export function apiUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const [value, source] =
    flag !== undefined
      ? [flag, '--api-url']
      : env.WA_CHECK_API_URL
        ? [env.WA_CHECK_API_URL, 'WA_CHECK_API_URL']
        : [DEFAULT_API_URL, 'the default API URL'];
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // 'api.example.com' does not parse and 'localhost:8080' parses with 'localhost:' as its scheme.
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(
      `${source} '${value}' is not a URL the tool can call: it needs a scheme, e.g. 'https://${value.replace(/^[a-z]+:\/\//i, '')}'.`,
    );
  }
  return value;
}
