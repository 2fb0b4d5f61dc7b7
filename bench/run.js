// npm run bench            -> every benchmark
// npm run bench -- <name>  -> one of: stages, spellings, warm, cold, memory, redis, gateway, fleet (extra arguments follow the name)
import { machine } from './lib/report.js';

const BENCHMARKS = ['stages', 'spellings', 'warm', 'cold', 'memory', 'redis', 'gateway', 'fleet'];
const [name, ...args] = process.argv.slice(2);
if (name && !BENCHMARKS.includes(name)) {
  console.error(`Unknown benchmark '${name}'. Known: ${BENCHMARKS.join(', ')}.`);
  process.exit(2);
}
console.log(`Machine: ${machine()}`);
for (const bench of name ? [name] : BENCHMARKS) {
  const module = await import(`./${bench}.js`);
  await module.run(args);
}
