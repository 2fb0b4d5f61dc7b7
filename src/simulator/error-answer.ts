import type { ServerResponse } from 'node:http';
import { sendJson } from './http-helpers.js';
import type { SimulatorState } from './state.js';

/** Answers an error the way the provider does: a JSON body, free, counted by status. */
export function fail(
  state: SimulatorState,
  response: ServerResponse,
  status: number,
  error: string,
  headers?: Record<string, string>,
): void {
  state.ledger.recordFreeError(status);
  sendJson(response, status, { error }, headers);
}
