import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkNumbers } from '../job/check-numbers.js';
import { writeResults } from '../output/write-results.js';
import { writeSampleCsv } from '../sample/sample-list.js';
import { startSimulator } from '../simulator/index.js';
import type { CliEnvironment } from './check-command.js';
import { numberFlag } from './flags.js';
import { formatReport } from './report.js';

export const DEMO_HELP = `Usage: wa-check demo [--rows <n>]

Tries the whole job on the built-in simulator: no key, no network, no setup. It makes a sample list
of realistic messy numbers, starts the simulator, checks the list, then checks a second list that
overlaps the first, to show the cache paying only for the new numbers.

Options:
  --rows <n>   rows per sample list (default 3000)
  -h, --help   this help
`;

export async function demoCommand(argv: string[], io: CliEnvironment): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { rows: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  const rows = numberFlag(values, 'rows') ?? 3000;
  const out = (text: string) => io.stdout.write(text);
  const folder = await mkdtemp(join(tmpdir(), 'wa-check-demo-'));
  const lists = [join(folder, 'list-1.csv'), join(folder, 'list-2.csv')];
  await writeSampleCsv(lists[0]!, { rows, seed: 'demo-1' });
  await writeSampleCsv(lists[1]!, { rows, seed: 'demo-2', overlap: { seed: 'demo-1', share: 0.6 } });

  // The provider's shape (slots, queue, export step, result files on a second origin) at 125x its speed.
  const simulator = await startSimulator({
    numbersPerSecond: 1500,
    queueDelayMs: 300,
    exportDelayMs: 500,
    rateLimit: { requests: 600, windowMs: 60_000 },
  });
  out(
    `wa-check demo: a simulator of the provider runs at ${simulator.url}\nSample lists (messy numbers, duplicates, junk) in ${folder}\n`,
  );
  try {
    for (const [index, list] of lists.entries()) {
      const before = simulator.ledger.numbersCharged;
      out(`\n== Checking ${list}${index === 1 ? ' (60% overlaps the first list)' : ''}\n`);
      const job = checkNumbers(list, {
        cacheDir: join(folder, 'cache'),
        client: {
          apiUrl: simulator.url,
          apiKey: simulator.apiKey,
          userId: 'demo',
          poll: { floorMs: 250, noticeFloorMs: 500 },
        },
      });
      const output = join(folder, `results-${index + 1}.csv`);
      await writeResults(job, 'csv', output);
      out(formatReport(await job.summary));
      out(`Provider ledger:     ${simulator.ledger.numbersCharged - before} numbers charged for this list\n`);
      out(`Results:             ${output}\n`);
      if (index === 0) {
        const sample = (await readFile(output, 'utf8')).split('\n').slice(0, 7).join('\n');
        out(`\nThe first rows of the results:\n${sample}\n`);
      }
    }
    const ledger = simulator.ledger.snapshot();
    out(
      `\nIn all: ${ledger.numbersCharged} numbers paid in ${ledger.tasksCreated} tasks, ${ledger.statusReads} status reads, ` +
        `${Object.keys(ledger.doubleCharged).length} numbers paid twice.\n`,
    );
  } finally {
    await simulator.close();
  }
  return 0;
}
