// Runs a benchmark step in a child process, so each pipeline's peak RSS is its own.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs `node script ...args`; the child prints one JSON line last. */
export function runChild(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=4096', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

/**
 * The child's side: its peak RSS in bytes. Linux's VmHWM belongs to this process image alone;
 * getrusage's maxRSS would carry over the parent's peak from before the exec.
 */
export function peakRss() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall back to the OS counter.
  }
  return process.resourceUsage().maxRSS * 1024;
}
