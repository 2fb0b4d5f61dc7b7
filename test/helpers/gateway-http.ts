import ExcelJS from 'exceljs';
import type { RawTask } from './sim-http.js';

// A plain HTTP client of the gateway, as the provider's documented curl session talks: create,
// poll, download. Nothing of this package's client is used, so the wire format is what is tested.

/** A task as the wire gives it: the simulator's, whose v1 tasks name no user. */
export type WireTask = Omit<RawTask, 'user_id'> & { user_id?: string };

export type WireDialect = 'legacy' | 'v1';

export function createTask(
  baseUrl: string,
  key: string,
  dialect: WireDialect,
  lines: readonly string[],
  fields: Record<string, string> = dialect === 'legacy' ? { user_id: 'client-user' } : { task_type: 'ws' },
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  form.set('file', new Blob([`${lines.join('\n')}\n`], { type: 'text/plain' }), 'numbers.txt');
  const path = dialect === 'legacy' ? '/wa/api/simple/tasks' : '/v1/tasks';
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
}

export function readTask(
  baseUrl: string,
  key: string,
  dialect: WireDialect,
  taskId: string,
  encoding: 'multipart' | 'urlencoded' = 'multipart',
): Promise<Response> {
  if (dialect === 'legacy') {
    return fetch(`${baseUrl}/wa/api/simple/tasks/${taskId}?user_id=client-user`, { headers: { 'x-api-key': key } });
  }
  let body: FormData | URLSearchParams;
  if (encoding === 'urlencoded') body = new URLSearchParams({ task_id: taskId });
  else {
    body = new FormData();
    body.set('task_id', taskId);
  }
  return fetch(`${baseUrl}/v1/gettasks`, { method: 'POST', headers: { 'x-api-key': key }, body });
}

/** Polls until exported; returns every distinct status seen, in order, and the last answer. */
export async function pollUntilExported(
  baseUrl: string,
  key: string,
  dialect: WireDialect,
  taskId: string,
  timeoutMs = 30_000,
): Promise<{ statuses: string[]; task: WireTask }> {
  const statuses: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (let read = 0; ; read++) {
    const response = await readTask(baseUrl, key, dialect, taskId, read % 2 === 0 ? 'multipart' : 'urlencoded');
    if (response.status !== 200) throw new Error(`status read answered ${response.status}: ${await response.text()}`);
    const task = (await response.json()) as WireTask;
    if (statuses.at(-1) !== task.status) statuses.push(task.status);
    if (task.status === 'exported') return { statuses, task };
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Downloads a result link without any key and reads the workbook's header and rows. */
export async function downloadRows(resultUrl: string): Promise<{ header: string[]; rows: Map<string, string> }> {
  const response = await fetch(resultUrl);
  if (response.status !== 200) throw new Error(`download answered ${response.status}`);
  return readWorkbook(Buffer.from(await response.arrayBuffer()));
}

/** The first sheet's header and rows (number to answer); a number twice fails. */
export async function readWorkbook(bytes: Buffer): Promise<{ header: string[]; rows: Map<string, string> }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const header: string[] = [];
  const rows = new Map<string, string>();
  sheet.eachRow((row, index) => {
    const values = (row.values as unknown[]).slice(1).map(String);
    if (index === 1) header.push(...values);
    else {
      if (rows.has(values[0]!)) throw new Error(`row ${values[0]} appears twice`);
      rows.set(values[0]!, values[1]!);
    }
  });
  return { header, rows };
}
