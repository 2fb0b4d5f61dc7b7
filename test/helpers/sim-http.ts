import ExcelJS from 'exceljs';
import { type Clock, systemClock } from '../../src/api/clock.js';
import type { RunningSimulator } from '../../src/simulator/index.js';

// Raw HTTP against the simulator, as curl would talk to it: the contract tests check the wire.

export interface RawTask {
  task_id: string;
  user_id: string;
  status: string;
  total: number;
  success: number;
  failure: number;
  created_at: string;
  updated_at: string;
  result_url?: string;
}

export function uploadForm(userId: string | undefined, fileText: string | undefined): FormData {
  const form = new FormData();
  if (userId !== undefined) form.set('user_id', userId);
  if (fileText !== undefined) form.set('file', new Blob([fileText], { type: 'text/plain' }), 'numbers.txt');
  return form;
}

export async function rawCreate(
  sim: RunningSimulator,
  numbers: readonly string[],
  options: { key?: string | null; userId?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.key !== null) headers['x-api-key'] = options.key ?? sim.apiKey;
  return fetch(`${sim.url}/wa/api/simple/tasks`, {
    method: 'POST',
    headers,
    body: uploadForm(options.userId ?? 'test', `${numbers.join('\n')}\n`),
  });
}

export async function createTask(sim: RunningSimulator, numbers: readonly string[], userId = 'test'): Promise<RawTask> {
  const response = await rawCreate(sim, numbers, { userId });
  if (response.status !== 200) throw new Error(`create answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as RawTask;
}

export async function rawStatus(
  sim: RunningSimulator,
  taskId: string,
  options: { key?: string; userId?: string } = {},
): Promise<Response> {
  return fetch(`${sim.url}/wa/api/simple/tasks/${taskId}?user_id=${options.userId ?? 'test'}`, {
    headers: { 'x-api-key': options.key ?? sim.apiKey },
  });
}

export async function status(sim: RunningSimulator, taskId: string, userId = 'test'): Promise<RawTask> {
  const response = await rawStatus(sim, taskId, { userId });
  if (response.status !== 200) throw new Error(`status answered ${response.status}`);
  return (await response.json()) as RawTask;
}

/** Polls until the task is exported or failed; with a virtual `clock`, its waits move that clock on. */
export async function waitExported(
  sim: RunningSimulator,
  taskId: string,
  clock: Clock = systemClock,
): Promise<RawTask> {
  const deadline = clock.now() + 20_000;
  for (;;) {
    const task = await status(sim, taskId);
    if (task.status === 'exported' || task.status === 'failed') return task;
    if (clock.now() > deadline) throw new Error(`task ${taskId} still ${task.status}`);
    await clock.sleep(20);
  }
}

/** The rows of an xlsx buffer's first sheet, as cell values. */
export async function sheetRows(bytes: ArrayBuffer | Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as ArrayBuffer);
  const rows: unknown[][] = [];
  workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

/** Numbers that look real: Swiss mobiles, +41 79 xxx xx xx. */
export function swissNumbers(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+41791${String(from + i).padStart(6, '0')}`);
}
