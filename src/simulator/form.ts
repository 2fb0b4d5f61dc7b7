import { parseMultipart } from './multipart.js';

/**
 * The text fields of a form body, multipart or urlencoded: the provider's official examples send
 * `POST /v1/gettasks` both ways (curl `--form`, Node `FormData`; Python `requests` `data=`).
 * Undefined when the body is neither.
 */
export function parseFormFields(body: Buffer, contentType: string | undefined): Map<string, string> | undefined {
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) {
    return new Map(new URLSearchParams(body.toString('utf8')));
  }
  const parts = parseMultipart(body, contentType);
  if (!parts) return undefined;
  return new Map(
    parts.filter((part) => part.filename === undefined).map((part) => [part.name, part.data.toString('utf8')]),
  );
}
