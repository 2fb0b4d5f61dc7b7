// Where a cold run's time goes. The client's HTTP calls are seen through node:http's diagnostics
// channel (the library is not touched); the client's and the simulator's CPU are sampled every
// 50 ms; the simulator's own schedule of each task is read back after the run. Wall seconds
// inflate when the machine is loaded; the CPU seconds beside them say whose work each span was.
import dc from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';

const SAMPLE_MS = 50;

export class ColdTrace {
  /** Every call: { what, taskId, startAt, endAt }. */
  calls = [];
  #simPid;
  #samples = [];
  #marks = new Map();
  #timer;
  #onStart = ({ request }) => {
    const call = { ...describe(request), startAt: Date.now() };
    this.calls.push(call);
    request.once('response', (response) => response.once('end', () => (call.endAt = Date.now())));
  };

  constructor(simPid) {
    this.#simPid = simPid;
    dc.subscribe('http.client.request.start', this.#onStart);
    this.#timer = setInterval(() => this.#sample(), SAMPLE_MS);
    this.#timer.unref();
  }

  /** A named moment ('start', 'end'). */
  mark(name) {
    this.#marks.set(name, this.#sample());
  }

  stop() {
    clearInterval(this.#timer);
    dc.unsubscribe('http.client.request.start', this.#onStart);
  }

  /** Task ids seen in status reads and downloads, in the order first seen. */
  taskIds() {
    return [...new Set(this.calls.filter((call) => call.taskId).map((call) => call.taskId))];
  }

  /**
   * The run cut into consecutive spans along its critical path, each with its wall ms and the
   * CPU seconds the client and the simulator spent in it. `tasks`: the simulator's schedule
   * ({ taskId, startAt, completeAt, exportAt }); `idealMs`: numbers / (slots x rate).
   */
  breakdown(tasks, idealMs) {
    const start = this.#marks.get('start').at;
    const end = this.#marks.get('end').at;
    const firstCreate = Math.min(...this.calls.filter((call) => call.what === 'create').map((call) => call.startAt));
    const firstStart = Math.min(...tasks.map((task) => task.startAt));
    const lastComplete = Math.max(...tasks.map((task) => task.completeAt));
    // The last round: tasks that complete within a second of the last one.
    const last = tasks.filter((task) => task.completeAt > lastComplete - 1000);
    const lastExport = Math.max(...last.map((task) => task.exportAt));
    const seenExported = Math.max(...last.map((task) => this.#firstCall(task, 'status')?.endAt ?? task.exportAt));
    const downloadEnd = Math.max(...last.map((task) => this.#firstCall(task, 'download')?.endAt ?? seenExported));
    const spans = [
      ['reading and planning, until the first upload (client)', firstCreate],
      ['first upload and queue delay', firstStart],
      ['processing, ideal', firstStart + idealMs],
      ['processing, slots idle between rounds or in the last round', lastComplete],
      ["provider's export step after the last round", lastExport],
      ['export noticed by a status read', seenExported],
      ['last round: result files built (simulator) and sent', downloadEnd],
      ['last round: files read, answers stored, rows written (client)', end],
    ];
    const rows = [];
    let from = start;
    for (const [name, to] of spans) {
      rows.push({ name, ms: to - from, ...this.#cpuBetween(from, to) });
      from = to;
    }
    return { rows, totalMs: end - start, cpu: this.#cpuBetween(start, end), lastRound: last.length };
  }

  /** The first call of `what` for `task` at or after its export. */
  #firstCall(task, what) {
    return this.calls
      .filter((call) => call.what === what && call.taskId === task.taskId && call.endAt >= task.exportAt)
      .sort((a, b) => a.endAt - b.endAt)[0];
  }

  #sample() {
    const own = process.cpuUsage();
    let sim = Number.NaN;
    try {
      // utime and stime: fields 14 and 15, counted after the command name in parentheses.
      const fields = readFileSync(`/proc/${this.#simPid}/stat`, 'utf8').split(') ')[1].split(' ');
      sim = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {}
    const sample = { at: Date.now(), client: (own.user + own.system) / 1e6, sim };
    this.#samples.push(sample);
    return sample;
  }

  /** CPU seconds between two moments, from the samples nearest to them (50 ms apart). */
  #cpuBetween(fromAt, toAt) {
    const nearest = (at) =>
      this.#samples.reduce((best, s) => (Math.abs(s.at - at) < Math.abs(best.at - at) ? s : best));
    const a = nearest(fromAt);
    const b = nearest(toAt);
    return { client: b.client - a.client, sim: b.sim - a.sim };
  }
}

/** The kind of call and its task, from the request line (legacy paths name the task). */
function describe(request) {
  const path = request.path ?? '';
  const download = /\/results\/([0-9a-v]{20})\./.exec(path);
  if (download) return { what: 'download', taskId: download[1] };
  const legacyStatus = /\/tasks\/([0-9a-v]{20})/.exec(path);
  if (legacyStatus) return { what: 'status', taskId: legacyStatus[1] };
  if (path.startsWith('/v1/gettasks')) return { what: 'status' };
  if (request.method === 'POST' && /^\/(wa\/api\/simple|v1)\/tasks/.test(path)) return { what: 'create' };
  return { what: 'other' };
}
