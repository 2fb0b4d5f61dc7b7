import type { IncomingMessage, ServerResponse } from 'node:http';
import { delay, sendHtml } from './http-helpers.js';
import { buildResultFile } from './result-file.js';
import type { SimulatorState } from './state.js';

const RESULT_PATH = /^\/results\/([0-9a-v]{20})\.(xlsx|zip)$/;

/**
 * Serves result files on the download origin, which, like S3, knows nothing of API keys: links
 * are pre-signed and expire. Any key that reaches this origin is counted, since a client must
 * never send it here.
 */
export function createDownloadHandler(state: SimulatorState) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.headers['x-api-key'] !== undefined || request.headers.authorization !== undefined) {
      state.ledger.keysSeenAtDownload++;
    }
    const url = new URL(request.url ?? '/', 'http://downloads');
    const match = RESULT_PATH.exec(url.pathname);
    const verdict = state.signer.verify(
      url.pathname,
      url.searchParams.get('expires'),
      url.searchParams.get('signature'),
      state.options.clock(),
    );
    if (request.method !== 'GET' || !match || verdict !== 'ok') {
      const reason = verdict === 'expired' ? 'Request has expired' : 'Access Denied';
      return denied(response, reason);
    }
    const task = state.tasks.get(match[1]!);
    if (!task) return denied(response, 'NoSuchKey');

    const fault = state.faults.take('download');
    if (fault?.kind === 'delay') await delay(fault.delayMs ?? 1000);
    if (fault?.kind === 'hang') {
      state.hangingSockets.add(request.socket);
      request.socket.once('close', () => state.hangingSockets.delete(request.socket));
      return;
    }
    if (fault?.kind === 'html') return sendHtml(response);
    if (fault?.kind === 'status') {
      response.writeHead(fault.status ?? 500, { 'content-type': 'text/plain' });
      response.end('injected failure');
      return;
    }

    let file = state.resultFiles.get(task.taskId);
    if (!file) {
      file = buildResultFile(
        task.taskId,
        task.numbers,
        state.oracle,
        state.options.quirks,
        task.kind === 'legacy' ? undefined : task.kind,
      );
      state.resultFiles.set(task.taskId, file);
    }
    const bytes = await file;
    await state.hooks.beforeDownload?.(task.taskId);
    state.ledger.downloads++;
    response.writeHead(200, {
      'content-type': state.options.quirks.zip
        ? 'application/zip'
        : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-length': bytes.length,
    });
    if (fault?.kind === 'cut') {
      // Announce the whole file, send half, and hang up.
      response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.socket?.destroy());
      return;
    }
    response.end(bytes);
  };
}

export function denied(response: ServerResponse, reason: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${reason}</Message></Error>`;
  response.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
