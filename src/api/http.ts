import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ErrorCodes, WaError, type WaErrorOptions } from '../errors.js';

/**
 * A transport failure: no usable answer came back. `requestSent` says whether the whole request
 * left this machine, which decides whether a create may be retried without paying twice.
 */
export class TransportError extends WaError {
  readonly requestSent: boolean;

  constructor(
    code: typeof ErrorCodes.TIMEOUT | typeof ErrorCodes.NETWORK | typeof ErrorCodes.ABORTED,
    message: string,
    requestSent: boolean,
    options: WaErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'TransportError';
    this.requestSent = requestSent;
  }
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string | number>;
  /** A body that is streamed; `headers` must carry its content-length. */
  body?: Readable;
  /** Covers the whole exchange, including reading the body with `readText` or the stream. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Named in error messages, e.g. 'status read'. Never a URL with secrets. */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** Ends the exchange's timer; call when done with the body. */
  finish(): void;
}

/**
 * One HTTP exchange over node:http(s), not fetch: it streams bodies with an exact length and
 * tells whether the request was fully sent before a failure, which fetch hides.
 */
export function sendRequest(options: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new TransportError(ErrorCodes.ABORTED, `The ${options.what} was aborted.`, false));
      return;
    }
    const send = options.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(options.url, { method: options.method, headers: options.headers });
    let settled = false;
    let requestSent = false;
    let failure: TransportError | undefined;

    const fail = (error: TransportError) => {
      failure ??= error;
      request.destroy(failure);
    };
    const timer = setTimeout(
      () =>
        fail(
          new TransportError(
            ErrorCodes.TIMEOUT,
            `The ${options.what} got no answer within ${options.timeoutMs} ms.`,
            requestSent,
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () => fail(new TransportError(ErrorCodes.ABORTED, `The ${options.what} was aborted.`, requestSent));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };

    request.on('finish', () => {
      requestSent = true;
    });
    request.on('error', (error) => {
      finish();
      if (settled) return;
      settled = true;
      reject(
        failure ??
          new TransportError(
            ErrorCodes.NETWORK,
            `The ${options.what} failed: ${(error as NodeJS.ErrnoException).code ?? error.message}.`,
            requestSent,
            {
              cause: error,
            },
          ),
      );
    });
    request.on('response', (response) => {
      settled = true;
      // Errors after this point surface on the response stream.
      response.on('error', () => finish());
      request.on('error', (error) => response.destroy(failure ?? error));
      resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response, finish });
    });

    if (options.body) {
      options.body.on('error', (error) =>
        fail(new TransportError(ErrorCodes.NETWORK, `The ${options.what} body failed.`, false, { cause: error })),
      );
      options.body.pipe(request);
    } else {
      request.end();
    }
  });
}

/** Reads a response body as text, up to `limit` bytes (the rest is cut off). */
export async function readText(response: HttpResponse, what: string, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (size < limit) chunks.push(chunk);
      size += chunk.length;
    }
  } catch (error) {
    if (error instanceof TransportError) throw error;
    throw new TransportError(ErrorCodes.NETWORK, `The ${what} answer broke off.`, true, { cause: error });
  } finally {
    response.finish();
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}
