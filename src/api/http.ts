// Kept hand-written over node:http rather than fetch/undici: it knows whether a request was fully sent.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ErrorCodes, isProgrammingError, WaError, type WaErrorOptions } from '../errors.js';
import { type Redact, redactorFor } from './redact.js';

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
  /**
   * For a paid call (a task's create): once the whole request has left this machine, `signal` no
   * longer cuts the exchange, which is let finish within `timeoutMs`. Its answer says whether the
   * provider took the money; cut, the task would be left unconfirmed (paid, maybe, and unknown).
   */
  finishOnceSent?: boolean | undefined;
  /** Named in error messages, e.g. 'status read'. Never a URL with secrets. */
  what: string;
  /**
   * Secrets scrubbed from what comes back (body text and headers), besides the credential
   * headers of this request, which always are.
   */
  secrets?: readonly string[] | undefined;
}

export interface HttpResponse {
  status: number;
  /** Already scrubbed of the exchange's secrets. */
  headers: IncomingHttpHeaders;
  /** The raw body: read it with `readText`, or pass it through `redact` before showing any of it. */
  body: IncomingMessage;
  /** Removes the exchange's secrets from text that came back. */
  redact: Redact;
  /** Ends the exchange's timer; call when done with the body. */
  finish(): void;
}

/** Headers whose values are credentials: a server that echoes them must not get them shown. */
const CREDENTIAL_HEADERS = new Set(['x-api-key', 'authorization', 'proxy-authorization', 'cookie']);

function redactorOf(options: HttpRequest): Redact {
  const secrets = [...(options.secrets ?? [])];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (CREDENTIAL_HEADERS.has(name.toLowerCase())) secrets.push(String(value));
  }
  return redactorFor(secrets);
}

function redactHeaders(headers: IncomingHttpHeaders, redact: Redact): IncomingHttpHeaders {
  const clean: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    clean[name] = Array.isArray(value)
      ? value.map((item) => redact(item))
      : value === undefined
        ? value
        : redact(value);
  }
  return clean;
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
    const onAbort = () => {
      if (requestSent && options.finishOnceSent) return;
      fail(new TransportError(ErrorCodes.ABORTED, `The ${options.what} was aborted.`, requestSent));
    };
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
      const redact = redactorOf(options);
      resolve({
        status: response.statusCode ?? 0,
        headers: redactHeaders(response.headers, redact),
        body: response,
        redact,
        finish,
      });
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

/**
 * Reads a response body as text, up to `limit` bytes (the rest is cut off), scrubbed of secrets.
 * With `raw`, the text is as sent, for a parser: scrubbing first could change the data (a short
 * key that also occurs in a field name); whatever of it reaches a message goes through `redact`.
 */
export async function readText(
  response: HttpResponse,
  what: string,
  limit = 1024 * 1024,
  { raw = false }: { raw?: boolean } = {},
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (size < limit) chunks.push(chunk);
      size += chunk.length;
    }
  } catch (error) {
    if (error instanceof TransportError || isProgrammingError(error)) throw error;
    throw new TransportError(ErrorCodes.NETWORK, `The ${what} answer broke off.`, true, { cause: error });
  } finally {
    response.finish();
  }
  const kept = Buffer.concat(chunks);
  const text = kept.toString('utf8');
  return (raw ? text : response.redact(text, kept.length < size)).slice(0, limit);
}
