// Runs a benchmark step in a child process, so each pipeline's peak RSS is its own.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const EXIT_USAGE = fileURLToPath(new URL('./exit-usage.cjs', import.meta.url));

/**
 * Runs `node script ...args`; the child prints one JSON line last, returned with `wallMs`: the
 * whole process, from spawn to exit, start-up included. `nodeArgs` go before the script.
 */
export function runChild(script, args, nodeArgs = ['--max-old-space-size=4096'], quiet = false) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr?.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited ${code}\n${err}`));
      resolve({ ...JSON.parse(out.trim().split('\n').at(-1)), wallMs });
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

/**
 * Runs a script as a user would (no flags of ours but the preload that reports the process's
 * peak RSS and CPU time at exit): `{ peakRss, cpuMs, wallMs }`. Its stderr (the CLI's report) is
 * shown only when it fails.
 */
export function runWhole(script, args) {
  return runChild(script, args, ['--require', EXIT_USAGE], true);
}
