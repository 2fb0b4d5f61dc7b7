// Preloaded (`node --require`) into a process the benchmark times as a whole, e.g. the CLI: at
// exit, prints its peak RSS and CPU time (all threads) as the last JSON line on stdout, which
// the CLI leaves free when it writes with -o.
const { readFileSync, writeSync } = require('node:fs');

process.on('exit', () => {
  let peakRss = process.resourceUsage().maxRSS * 1024;
  try {
    // VmHWM belongs to this process image alone (getrusage's maxRSS carries the parent's over).
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) peakRss = Number(match[1]) * 1024;
  } catch {
    // Not Linux: the OS counter above.
  }
  const cpu = process.cpuUsage();
  writeSync(1, `\n${JSON.stringify({ peakRss, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
});
