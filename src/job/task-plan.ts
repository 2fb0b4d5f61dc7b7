export interface TaskSizing {
  /** Tasks the provider runs at once for one key. */
  concurrency: number;
  /** The smallest task: no task is ever cut smaller, unless all there is to check is less. */
  minTaskSize: number;
  maxTaskSize: number;
}

/** The share of each task of the last round that is cut off into a round of its own (see planTaskSizes). */
const TAIL_SHARE = 0.2;
/** Smaller tails are not worth a task of their own: reading a result file costs ~10-30 µs a row. */
const MIN_TAIL = 2000;

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
 * Then the last round's tasks of 10,000 numbers or more lose a fifth to a round of their own:
 * each slot still ends at the same moment, but what is left to download, read and store once
 * the provider is done is a fifth of a round instead of a whole one (1M numbers: 5 x 10,000
 * rows instead of 5 x 50,000, ~1.5 s instead of ~7 s of the client's CPU after the provider).
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

/** Each task of the last round gives its tail to a round after it, when both parts stay large enough. */
function withShortLastRound(sizes: number[], { concurrency, minTaskSize }: TaskSizing): number[] {
  const lastRound = ((sizes.length - 1) % Math.max(1, concurrency)) + 1;
  const body = sizes.slice(0, sizes.length - lastRound);
  const last = sizes.slice(sizes.length - lastRound);
  const tails = last.map((size) => Math.floor(size * TAIL_SHARE));
  const fits = last.every((size, i) => tails[i]! >= Math.max(MIN_TAIL, minTaskSize) && size - tails[i]! >= minTaskSize);
  if (!fits) return sizes;
  return [...body, ...last.map((size, i) => size - tails[i]!), ...tails];
}
