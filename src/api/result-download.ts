import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ErrorCodes, isProgrammingError, WaError } from '../errors.js';
import { type HttpResponse, readText, sendRequest, TransportError } from './http.js';
import { errorFromStatus } from './status-errors.js';
import { describeUrl, requireSecureUrl } from './url-policy.js';

export interface DownloadLimits {
  /** Bytes on the wire. */
  maxBytes: number;
  /** The whole download, in ms. */
  timeoutMs: number;
  /** Redirect hops followed. */
  maxRedirects: number;
  /**
   * Not a limit: secrets (the API key) scrubbed from whatever the link's host answers, since
   * the link comes from the provider, which knows the key and may echo it.
   */
  secrets?: readonly string[] | undefined;
}

/**
 * Downloads a result link into `directory` and returns the file's path. The link is pre-signed,
 * so it is fetched with no credentials at all (this function never sees the API key); redirects
 * are followed by hand so that every hop is checked against the URL policy.
 */
export async function downloadToFile(
  link: string,
  directory: string,
  limits: DownloadLimits,
  signal?: AbortSignal,
): Promise<string> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let url = requireSecureUrl(link, 'result link');
  for (let hop = 0; ; hop++) {
    let response: HttpResponse;
    try {
      response = await sendRequest({
        method: 'GET',
        url,
        timeoutMs: limits.timeoutMs,
        signal: combined,
        what: 'result download',
        secrets: limits.secrets,
      });
    } catch (error) {
      throw asDownloadTimeout(error, deadline, limits);
    }
    const { status, headers } = response;
    if (status >= 300 && status < 400 && headers.location) {
      response.body.resume();
      response.finish();
      if (hop >= limits.maxRedirects) {
        throw new WaError(
          ErrorCodes.BAD_RESPONSE,
          `The result link redirected more than ${limits.maxRedirects} times.`,
          { status },
        );
      }
      url = requireSecureUrl(new URL(headers.location, url), 'result link redirect');
      continue;
    }
    if (status === 403 || status === 404 || status === 410) {
      await readText(response, 'result download', 4096).catch(() => '');
      throw new WaError(
        ErrorCodes.LINK_EXPIRED,
        `The result link ${describeUrl(url)} was refused (${status}): it has expired or is wrong. Read the task's status again for a fresh link.`,
        { status },
      );
    }
    if (status !== 200) {
      const text = await readText(response, 'result download', 4096).catch(() => '');
      throw errorFromStatus(status, text, 'result download', headers);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      response.body.destroy();
      response.finish();
      throw tooLarge(limits.maxBytes);
    }
    if (/^text\/html/i.test(headers['content-type'] ?? '')) {
      const text = await readText(response, 'result download', 200);
      throw new WaError(ErrorCodes.BAD_RESPONSE, 'The result link answered with an HTML page instead of a file.', {
        status,
        bodyExcerpt: text.slice(0, 200),
      });
    }
    const path = join(directory, 'result.download');
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > limits.maxBytes) callback(tooLarge(limits.maxBytes));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(response.body, counter, createWriteStream(path));
    } catch (error) {
      if ((error instanceof WaError && !(error instanceof TransportError)) || isProgrammingError(error)) throw error;
      throw asDownloadTimeout(
        error instanceof TransportError
          ? error
          : new TransportError(ErrorCodes.NETWORK, 'The result download broke off.', true, { cause: error }),
        deadline,
        limits,
      );
    } finally {
      response.finish();
    }
    if (Number.isFinite(declared) && received !== declared) {
      throw new TransportError(
        ErrorCodes.NETWORK,
        `The result download ended after ${received} of ${declared} bytes.`,
        true,
      );
    }
    return path;
  }
}

function tooLarge(maxBytes: number): WaError {
  return new WaError(
    ErrorCodes.RESULT_TOO_LARGE,
    `The result file is larger than the ${maxBytes}-byte download limit.`,
  );
}

/** The whole-download deadline shows up as an abort; report it as the timeout it is. */
function asDownloadTimeout(error: unknown, deadline: AbortSignal, limits: DownloadLimits): unknown {
  if (deadline.aborted && error instanceof TransportError) {
    return new TransportError(
      ErrorCodes.TIMEOUT,
      `The result download took longer than ${limits.timeoutMs} ms.`,
      true,
      { cause: error },
    );
  }
  return error;
}
