import { startSimulator, WaClient } from './dist/index.js';
const sim = await startSimulator({ numbersPerSecond: 1e6, queueDelayMs: 1, exportDelayMs: 1, rateLimit: null });
const client = new WaClient({ apiUrl: sim.url, apiKey: sim.apiKey, userId: 'u' });
const numbers = Array.from({ length: 50000 }, (_, i) => `+4178${String(i).padStart(7, '0')}`);
const task = await client.createTask(numbers);
const done = await client.waitForTask(task.taskId, { expectedTotal: numbers.length });
const times = [];
for (let k = 0; k < 8; k++) {
  const t = performance.now();
  const r = await client.collectResults(done, numbers);
  times.push(performance.now() - t);
}
console.log(times.map((t) => t.toFixed(0)).join(' '));
await sim.close();
