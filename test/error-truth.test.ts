import { describe, expect, test } from 'vitest';
import { asWaError, ErrorCodes, isProgrammingError, WaError } from '../src/errors.js';

describe('asWaError()', () => {
  test('a bug (TypeError, RangeError) is WA_INTERNAL with its cause, never a bad answer', () => {
    for (const bug of [new TypeError('Cannot read properties of undefined'), new RangeError('Invalid string length')]) {
      const error = asWaError(bug);
      expect(error.code).toBe(ErrorCodes.INTERNAL);
      expect(error.code).not.toBe(ErrorCodes.BAD_RESPONSE);
      expect(error.cause).toBe(bug);
      expect(error.message).toContain(bug.message);
    }
  });

  test('a WaError passes through as it is', () => {
    const original = new WaError(ErrorCodes.RESULT_INVALID, 'bad file');
    expect(asWaError(original)).toBe(original);
  });

  test('isProgrammingError() - tells bugs from failures of the world', () => {
    expect(isProgrammingError(new TypeError('x'))).toBe(true);
    expect(isProgrammingError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isProgrammingError(new WaError(ErrorCodes.NETWORK, 'x'))).toBe(false);
  });
});
