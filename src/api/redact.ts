/**
 * The one redaction step for text that comes from outside (answer bodies, headers, result cells)
 * before it can reach a message, a log or a file: a hostile or careless server may echo the key.
 */

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Removes every secret from `text`, in each spelling a server might echo it in: as is, URL-encoded
 * (either case of hex digit, `+` or `%20` for a space) and JSON-escaped. With `truncated`, the text
 * was cut off, so a secret's beginning at the very end is removed too.
 */
export function redactSecrets(text: string, secrets: readonly string[], truncated = false): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const pattern of spellings(secret)) clean = clean.replace(new RegExp(pattern, 'g'), REDACTED);
    if (truncated) clean = withoutTrailingPrefix(clean, secret);
  }
  return clean;
}

/** A redaction function bound to `secrets`: what callers hand around instead of the secrets. */
export type Redact = (text: string, truncated?: boolean) => string;

export function redactorFor(secrets: readonly string[]): Redact {
  const live = secrets.filter((secret) => secret !== '');
  return (text, truncated = false) => (live.length === 0 ? text : redactSecrets(text, live, truncated));
}

function spellings(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const patterns = new Set([
    escapeRegExp(secret),
    escapeRegExp(JSON.stringify(secret).slice(1, -1)),
    caseInsensitiveHex(escapeRegExp(encoded)),
    caseInsensitiveHex(escapeRegExp(encoded.replace(/%20/g, '+'))),
  ]);
  return [...patterns];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `%2F` also matches `%2f`: encoders differ in the case of hex digits. */
function caseInsensitiveHex(pattern: string): string {
  return pattern.replace(/%([0-9A-F])([0-9A-F])/g, (_match, high: string, low: string) => {
    const either = (digit: string) => (/[A-F]/.test(digit) ? `[${digit}${digit.toLowerCase()}]` : digit);
    return `%${either(high)}${either(low)}`;
  });
}

/**
 * A cut-off text may end with the first characters of a secret: drop them. Fewer than 4 are left
 * alone, since they tell nothing and matching them would mangle ordinary words.
 */
function withoutTrailingPrefix(text: string, secret: string): string {
  for (let length = Math.min(secret.length - 1, text.length); length >= 4; length--) {
    if (text.endsWith(secret.slice(0, length))) return `${text.slice(0, text.length - length)}${REDACTED}`;
  }
  return text;
}
