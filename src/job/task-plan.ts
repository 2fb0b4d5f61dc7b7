export interface TaskSizing {
  /** Tasks the provider runs at once for one key. */
  concurrency: number;
  minTaskSize: number;
  maxTaskSize: number;
}

/**
 * Cuts `count` numbers into task sizes that keep every slot busy: as many tasks as slots when
 * that fits the size bounds, the sizes as even as possible. 10,000 numbers and 5 slots make five
 * tasks of 2,000: one task of 10,000 would run on one slot at the provider's per-task rate, ten of
 * 1,000 would queue behind each other for nothing.
 */
export function planTaskSizes(count: number, sizing: TaskSizing): number[] {
  if (count <= 0) return [];
  const target = Math.min(sizing.maxTaskSize, Math.max(sizing.minTaskSize, Math.ceil(count / sizing.concurrency)));
  const tasks = Math.ceil(count / target);
  const base = Math.floor(count / tasks);
  const larger = count - base * tasks;
  return Array.from({ length: tasks }, (_, i) => (i < larger ? base + 1 : base));
}
