export interface TaskSizing {
  /** Tasks the provider runs at once for one key. */
  concurrency: number;
  /** The smallest task: no task is ever cut smaller, unless all there is to check is less. */
  minTaskSize: number;
  maxTaskSize: number;
}

/**
 * How each task of the last round is cut into rounds of its own, tried in order: the first cut
 * whose pieces all stay large enough. Each round must be long enough for the client to read and
 * store the files of the round before it (~25 µs a row on one core: 5 x 30,000 rows take ~4 s,
 * the 15,000-row round after them ~10 s at the provider's 120x bench speed).
 */
const LAST_ROUND_CUTS = [
  [0.6, 0.3, 0.1],
  [0.8, 0.2],
];
/** A smaller piece is not worth a task of its own. */
const MIN_PIECE = 2000;

/**
 * Cuts `count` numbers into task sizes that keep every slot busy: as many tasks as slots when
 * that fits the size bounds, the sizes as even as possible. 10,000 numbers and 5 slots make five
 * tasks of 2,000: one task of 10,000 would run on one slot at the provider's per-task rate, ten of
 * 1,000 would queue behind each other for nothing. Evening out never goes below the minimum:
 * 1,200 numbers at a minimum of 500 make two tasks of 600, not three of 400 (fewer, larger tasks
 * than the slots would want). Fewer numbers than the minimum make one task, which the caller
 * must not create as it is (see top-up.ts).
 *
 * More numbers than the slots hold in one round of the largest tasks make whole rounds of
 * even tasks: 300,000 at 5 slots and 50,000 make two rounds of 30,000 (six tasks of 50,000 left
 * the sixth alone in a second round: 1.79x the ideal time instead of 1.0x).
 *
 * Then each task of the last round is cut into shorter rounds (60%, 30%, 10%; or 80%, 20%; or
 * none when a piece would hold fewer than 2,000 numbers or the minimum): every slot still ends at
 * the same moment, but what is left to download, read and store once the provider is done is a
 * tenth of a round instead of a whole one (1M numbers at 5 x 50,000: 5 x 5,000 rows instead of
 * 5 x 50,000, which took ~13 s wall and 6.5 s of the client's CPU on the shared 2-core machine).
 */
export function planTaskSizes(count: number, sizing: TaskSizing): number[] {
  if (count <= 0) return [];
  const tasks = taskCount(count, sizing);
  const base = Math.floor(count / tasks);
  const larger = count - base * tasks;
  const sizes = Array.from({ length: tasks }, (_, i) => (i < larger ? base + 1 : base));
  return withShortLastRound(sizes, sizing);
}

function taskCount(count: number, { concurrency, minTaskSize, maxTaskSize }: TaskSizing): number {
  let tasks: number;
  if (count > concurrency * maxTaskSize) tasks = Math.ceil(count / (concurrency * maxTaskSize)) * concurrency;
  else {
    const target = Math.min(maxTaskSize, Math.max(minTaskSize, Math.ceil(count / concurrency)));
    tasks = Math.ceil(count / target);
  }
  return Math.max(1, Math.min(tasks, Math.floor(count / Math.max(1, minTaskSize))));
}

/** The last round's tasks, each cut by the first of LAST_ROUND_CUTS whose pieces are all large enough. */
function withShortLastRound(sizes: number[], { concurrency, minTaskSize }: TaskSizing): number[] {
  const lastRound = ((sizes.length - 1) % Math.max(1, concurrency)) + 1;
  const body = sizes.slice(0, sizes.length - lastRound);
  const last = sizes.slice(sizes.length - lastRound);
  const smallest = Math.max(MIN_PIECE, minTaskSize);
  for (const shares of LAST_ROUND_CUTS) {
    // The first piece takes what the others leave, so that each task's pieces add up to it.
    const pieces = last.map((size) => {
      const rest = shares.slice(1).map((share) => Math.floor(size * share));
      return [size - rest.reduce((a, b) => a + b, 0), ...rest];
    });
    if (pieces.every((cut) => cut.every((piece) => piece >= smallest))) {
      return [...body, ...shares.flatMap((_, round) => pieces.map((cut) => cut[round]!))];
    }
  }
  return sizes;
}
