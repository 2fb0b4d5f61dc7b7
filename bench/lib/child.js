// Runs a benchmark step in a child process, so each pipeline's peak RSS is its own.
import { spawn } from 'node:child_process';

/** Runs `node script ...args`; the child prints one JSON line last. */
export function runChild(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=4096', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

/** The child's side: peak RSS in bytes, from the OS. */
export function peakRss() {
  return process.resourceUsage().maxRSS * 1024;
}
