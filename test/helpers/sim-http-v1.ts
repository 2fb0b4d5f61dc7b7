import type { RunningSimulator } from '../../src/simulator/index.js';
import type { RawTask } from './sim-http.js';

// Raw HTTP against the simulator's v1 paths, as the provider's official examples talk to them.

export interface RawV1Task extends Omit<RawTask, 'user_id'> {
  user_id?: string;
  estimated_amount?: { amount: string; currency: string };
  actual_amount?: { amount: string; currency: string };
  message?: string;
}

export function v1Create(
  sim: RunningSimulator,
  numbers: readonly string[],
  options: { taskType?: string | null; userId?: string; key?: string } = {},
): Promise<Response> {
  const form = new FormData();
  if (options.taskType !== null) form.set('task_type', options.taskType ?? 'ws');
  if (options.userId !== undefined) form.set('user_id', options.userId);
  form.set('file', new Blob([`${numbers.join('\n')}\n`], { type: 'text/plain' }), 'numbers.txt');
  return fetch(`${sim.url}/v1/tasks`, {
    method: 'POST',
    headers: { 'x-api-key': options.key ?? sim.apiKey },
    body: form,
  });
}

export async function v1CreateTask(
  sim: RunningSimulator,
  numbers: readonly string[],
  options: { taskType?: string; userId?: string } = {},
): Promise<RawV1Task> {
  const response = await v1Create(sim, numbers, options);
  if (response.status !== 200 && response.status !== 202) {
    throw new Error(`create answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as RawV1Task;
}

/** `POST /v1/gettasks` with `task_id` as multipart (curl --form) or urlencoded (Python requests). */
export function v1Status(
  sim: RunningSimulator,
  taskId: string | undefined,
  encoding: 'multipart' | 'urlencoded' = 'multipart',
): Promise<Response> {
  const fields: Record<string, string> = taskId === undefined ? {} : { task_id: taskId };
  let body: FormData | URLSearchParams;
  if (encoding === 'urlencoded') body = new URLSearchParams(fields);
  else {
    body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
  }
  return fetch(`${sim.url}/v1/gettasks`, { method: 'POST', headers: { 'x-api-key': sim.apiKey }, body });
}

export async function v1WaitOver(sim: RunningSimulator, taskId: string, timeoutMs = 20_000): Promise<RawV1Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await v1Status(sim, taskId);
    if (response.status !== 200) throw new Error(`status answered ${response.status}`);
    const task = (await response.json()) as RawV1Task;
    if (task.status === 'exported' || task.status === 'failed') return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function balanceOf(sim: RunningSimulator): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}/v1/balance`, { headers: { 'x-api-key': sim.apiKey } });
  if (response.status !== 200) throw new Error(`balance answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}
