import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ErrorCodes, type WaError } from '../src/errors.js';
import { ClientKeys } from '../src/gateway/client-keys.js';
import { parseUpload } from '../src/gateway/client-task.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('parseUpload()', () => {
  test('keeps E.164 (with or without +) once each; anything else is a failed line, not a crash', () => {
    const parsed = parseUpload(
      [
        '+41791234567',
        '41791234567', // the same number without +, as the provider accepts it
        '  +41791234568\r',
        '',
        '+41 79 123 45 69', // not E.164
        '0791234567', // national
        '+999123456789', // E.164 shape, no such country: would be paid for nothing
        'hello',
        '\u0000\u00ff',
      ].join('\n'),
    );
    expect(parsed).toEqual({ numbers: ['+41791234567', '+41791234568'], invalidLines: 5 });
  });
});

describe('ClientKeys', () => {
  const load = async (content: string): Promise<ClientKeys | WaError> => {
    const path = join(await tempDir(), 'clients.json');
    await writeFile(path, content);
    return ClientKeys.load(path).catch((error: WaError) => error);
  };

  test('.load() - finds clients by key, nothing by an unknown or missing key', async () => {
    const keys = (await load('{"keys": {"alice-key-0001": {"name": "alice", "maxSpend": 10}}}')) as ClientKeys;
    expect(keys.find('alice-key-0001')).toEqual({ name: 'alice', maxSpend: 10 });
    expect(keys.find('alice-key-0002')).toBeUndefined();
    expect(keys.find(undefined)).toBeUndefined();
  });

  test('.load() - a bad file is WA_INVALID_OPTION naming the entry, never showing a key', async () => {
    const cases = [
      'not json',
      '{"clients": {}}',
      '{"keys": {"short": {"name": "a"}}}',
      '{"keys": {"secret-key-123": {}}}',
      '{"keys": {"secret-key-123": {"name": "a", "maxSpend": -1}}}',
      '{"keys": {"secret-key-123": {"name": "a"}, "secret-key-456": {"name": "a"}}}',
    ];
    for (const content of cases) {
      const error = (await load(content)) as WaError;
      expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
      expect(error.message).not.toContain('secret-key');
    }
  });
});
