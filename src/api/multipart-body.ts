// Hand-written rather than form-data/undici FormData: it streams millions of lines with an exact Content-Length, which lets the transport tell a fully sent upload (paid) from one that never left.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const LINES_PER_CHUNK = 8192;

export interface MultipartUpload {
  contentType: string;
  contentLength: number;
  /** A fresh stream of the body each call, so a retry can send it again. */
  open(): Readable;
}

/**
 * A `multipart/form-data` body: the text `fields` (in order), then, when `numbers` are given, a
 * `file` part with one E.164 number per line. The file is streamed in chunks with its exact
 * length computed up front, so a task of millions of numbers is never built as one string and
 * the request still carries a Content-Length.
 */
export function multipartUpload(
  fields: Readonly<Record<string, string>>,
  numbers?: readonly string[],
  filename = 'numbers.txt',
): MultipartUpload {
  const boundary = `----wa-bulk-checker-${randomBytes(12).toString('hex')}`;
  let headText = '';
  for (const [name, value] of Object.entries(fields)) {
    headText += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  if (numbers) {
    headText +=
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: text/plain\r\n\r\n';
  }
  const head = Buffer.from(headText);
  const tail = Buffer.from(`${numbers ? '\r\n' : ''}--${boundary}--\r\n`);
  let fileLength = 0;
  for (const number of numbers ?? []) fileLength += Buffer.byteLength(number) + 1;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + fileLength + tail.length,
    open: () =>
      Readable.from(
        (function* () {
          yield head;
          for (let i = 0; numbers && i < numbers.length; i += LINES_PER_CHUNK) {
            yield Buffer.from(`${numbers.slice(i, i + LINES_PER_CHUNK).join('\n')}\n`);
          }
          yield tail;
        })(),
        { objectMode: false },
      ),
  };
}
