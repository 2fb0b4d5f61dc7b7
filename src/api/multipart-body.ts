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
 * The create request's body: `user_id`, then `file` with one E.164 number per line. It is
 * streamed in chunks with its exact length computed up front, so a task of millions of numbers
 * is never built as one string and the request still carries a Content-Length.
 */
export function multipartUpload(userId: string, numbers: readonly string[], filename = 'numbers.txt'): MultipartUpload {
  const boundary = `----wa-bulk-checker-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="user_id"\r\n\r\n${userId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: text/plain\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let fileLength = 0;
  for (const number of numbers) fileLength += Buffer.byteLength(number) + 1;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + fileLength + tail.length,
    open: () =>
      Readable.from(
        (function* () {
          yield head;
          for (let i = 0; i < numbers.length; i += LINES_PER_CHUNK) {
            yield Buffer.from(`${numbers.slice(i, i + LINES_PER_CHUNK).join('\n')}\n`);
          }
          yield tail;
        })(),
        { objectMode: false },
      ),
  };
}
