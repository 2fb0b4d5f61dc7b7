import { expect, test } from 'vitest';
import { resolveCheckOptions } from '../src/job/options.js';

test('resolveCheckOptions() - country: a region libphonenumber knows, trimmed and upper-cased, or WA_INVALID_OPTION', () => {
  expect(resolveCheckOptions({ dryRun: true, country: ' ch ' }).country).toBe('CH');
  expect(resolveCheckOptions({ dryRun: true, country: 'us' }).country).toBe('US');
  expect(resolveCheckOptions({ dryRun: true }).country).toBeUndefined();
  for (const country of ['XX', 'ZZ', 'CHE', '', 'Switzerland']) {
    expect(() => resolveCheckOptions({ dryRun: true, country }), country).toThrow(
      expect.objectContaining({ code: 'WA_INVALID_OPTION' }),
    );
  }
});
