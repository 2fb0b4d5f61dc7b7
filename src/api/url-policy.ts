import { isIP } from 'node:net';
import { ErrorCodes, WaError } from '../errors.js';

/**
 * Requires `https:`, except for loopback hosts, where the simulator runs. Keys and answers
 * never cross a network in clear text.
 */
export function requireSecureUrl(raw: string | URL, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new WaError(ErrorCodes.INSECURE_URL, `The ${what} is not a valid URL.`, { cause });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new WaError(
    ErrorCodes.INSECURE_URL,
    `The ${what} must use https: (plain http: is allowed only for loopback hosts), got ${url.protocol}//${url.host}.`,
  );
}

/**
 * Only literal loopback: `127.0.0.0/8`, `::1` and the name `localhost`. A name under `.localhost`
 * is not trusted, because nothing guarantees how this machine resolves it (RFC 6761 only asks).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** The URL without its query and fragment, which carry pre-signed secrets: safe for messages. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
