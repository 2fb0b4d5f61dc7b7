import { invalidOption } from './errors.js';

// Eager option checks, shared by every options object: a bad option fails at the call that
// received it, with a message naming the option, instead of deep inside a job.

export function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    invalidOption(name, 'a positive integer', value);
  }
  return value;
}

export function checkNonNegativeNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    invalidOption(name, 'a finite number >= 0', value);
  }
  return value;
}

export function checkPositiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    invalidOption(name, 'a finite number > 0', value);
  }
  return value;
}

export function checkFraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    invalidOption(name, 'a number from 0 to 1', value);
  }
  return value;
}

export function checkNonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    invalidOption(name, 'a non-empty string', value);
  }
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalidOption(name, `one of ${allowed.map((item) => `'${item}'`).join(', ')}`, value);
  }
  return value as T;
}
