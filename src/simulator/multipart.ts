export interface MultipartPart {
  name: string;
  filename: string | undefined;
  data: Buffer;
}

/**
 * Parses a buffered `multipart/form-data` body. Returns undefined when the body is not valid
 * multipart, which the API answers with 400. Buffering is fine here: uploads are capped (413).
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!contentType?.toLowerCase().startsWith('multipart/form-data') || !match) return undefined;
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  while (true) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts; // closing delimiter
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) return undefined;
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) return undefined;
    const headers = body.toString('utf8', at, headerEnd);
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) return undefined;
    // The part's data ends with the CRLF that precedes the next delimiter.
    parts.push({
      name,
      filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
      data: body.subarray(headerEnd + 4, next - 2),
    });
    at = next;
  }
}

/** A text field of a multipart body, trimmed; undefined when the body has none by that name. */
export function fieldText(parts: readonly MultipartPart[], name: string): string | undefined {
  return parts
    .find((part) => part.name === name)
    ?.data.toString('utf8')
    .trim();
}
