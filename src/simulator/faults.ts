/** Which request a fault applies to. */
export type FaultTarget = 'create' | 'status' | 'download' | 'balance';

/**
 * A fault the simulator plays once (or `times` times) on the next matching request:
 * - `drop-after-create`: the task is created and charged, then the connection is cut unanswered;
 * - `gateway-after-create`: the task is created and charged, then a gateway answers `status`
 *   (default 502), as a proxy in front of the provider would;
 * - `delay`: the answer comes `delayMs` late; `hang`: no answer at all until the client gives up;
 * - `cut`: a download stops halfway through its announced length;
 * - `html`: a 200 with an HTML body instead of JSON;
 * - `status`: the request answers `status` (default 500) with a JSON error and does nothing;
 * - `fail-task`: the created task ends in status `failed` (v1 tasks say why: `message`).
 *
 * Faults apply to both API versions; `balance` targets `GET /v1/balance` (e.g. `status` 502: the
 * balance service is down).
 */
export interface Fault {
  on: FaultTarget;
  kind: 'drop-after-create' | 'gateway-after-create' | 'delay' | 'hang' | 'cut' | 'html' | 'status' | 'fail-task';
  times?: number;
  delayMs?: number;
  status?: number;
  /** For `fail-task`: the reason a v1 task gives; for `status`: the answer's `error` text. */
  message?: string;
}

/** A queue of one-shot faults, injected by tests and benchmarks. */
export class FaultPlan {
  readonly #faults: Array<Fault & { remaining: number }> = [];

  add(fault: Fault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Takes the next fault for this kind of request, if one is planned. */
  take(target: FaultTarget): Fault | undefined {
    const index = this.#faults.findIndex((fault) => fault.on === target);
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    fault.remaining--;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }
}
