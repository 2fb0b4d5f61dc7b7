import type { Clock } from './clock.js';
import { type HttpRequest, type HttpResponse, sendRequest, TransportError } from './http.js';
import { isTlsFailureCode, ProviderUnreachableError } from './wait-errors.js';

/** Failures raised before a connection to the provider existed: no byte of the request reached it. */
const NO_CONNECTION = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/** The system's code of a transport failure that never reached the provider, else undefined. */
export function neverConnectedCode(error: unknown): string | undefined {
  if (!(error instanceof TransportError)) return undefined;
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && (NO_CONNECTION.has(code) || isTlsFailureCode(code)) ? code : undefined;
}

/**
 * Sends the client's API requests and remembers whether the provider ever answered. Until it
 * has, a request that could not connect is tried again for a short while only (`budgetMs`),
 * then fails with `ProviderUnreachableError`: a wrong URL is a configuration error to report at
 * once, not a passing fault worth the long backoff of the retry layer. Once the provider has
 * answered, connection failures are passing faults and go to that layer as they are.
 */
export class ProviderReach {
  readonly #origin: string;
  readonly #budgetMs: number;
  readonly #clock: Clock;
  #answered = false;

  constructor(apiUrl: URL, budgetMs: number, clock: Clock) {
    this.#origin = apiUrl.origin;
    this.#budgetMs = budgetMs;
    this.#clock = clock;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const startedAt = this.#clock.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await sendRequest(request);
        this.#answered = true;
        return response;
      } catch (error) {
        const code = neverConnectedCode(error);
        if (this.#answered || code === undefined || request.signal?.aborted) throw error;
        const left = this.#budgetMs - (this.#clock.now() - startedAt);
        if (left <= 0) throw new ProviderUnreachableError(this.#origin, code, request.what, error);
        await this.#clock.sleep(Math.min(left, 100 * 2 ** attempt), request.signal);
      }
    }
  }
}
