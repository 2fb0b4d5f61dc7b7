/** Bad command-line usage: exit code 2 and the command's help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A numeric flag's value, or undefined when it was not given. */
export function numberFlag(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`--${name} takes a number, got '${String(raw)}'.`);
  }
  return value;
}
