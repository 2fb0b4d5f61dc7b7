export interface TaskSizing {
  /** Tasks the provider runs at once for one key. */
  concurrency: number;
  /** The smallest task: no task is ever cut smaller, unless all there is to check is less. */
  minTaskSize: number;
  maxTaskSize: number;
}

/**
 * Cuts `count` numbers into task sizes that keep every slot busy: as many tasks as slots when
 * that fits the size bounds, the sizes as even as possible. 10,000 numbers and 5 slots make five
 * tasks of 2,000: one task of 10,000 would run on one slot at the provider's per-task rate, ten of
 * 1,000 would queue behind each other for nothing. Evening out never goes below the minimum:
 * 1,200 numbers at a minimum of 500 make two tasks of 600, not three of 400 (fewer, larger tasks
 * than the slots would want). Fewer numbers than the minimum make one task, which the caller
 * must not create as it is (see top-up.ts).
 */
export function planTaskSizes(count: number, sizing: TaskSizing): number[] {
  if (count <= 0) return [];
  const target = Math.min(sizing.maxTaskSize, Math.max(sizing.minTaskSize, Math.ceil(count / sizing.concurrency)));
  const tasks = Math.max(1, Math.min(Math.ceil(count / target), Math.floor(count / Math.max(1, sizing.minTaskSize))));
  const base = Math.floor(count / tasks);
  const larger = count - base * tasks;
  return Array.from({ length: tasks }, (_, i) => (i < larger ? base + 1 : base));
}
