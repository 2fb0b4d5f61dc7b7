import { expect, test } from 'vitest';
import { isDigits, isSeparator, stripSeparators, trimmed } from '../src/normalize/separators.js';

const SEPARATORS = /[\s().\-/\u00a0]/g;

test('isSeparator() is the set /[\\s().\\-/\\u00a0]/ names, for every UTF-16 code unit', () => {
  const differing: number[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    if (isSeparator(code) !== /[\s().\-/\u00a0]/.test(String.fromCharCode(code))) differing.push(code);
  }
  expect(differing).toEqual([]);
});

test('stripSeparators() gives what replace() gives, on spelled-out numbers and on noise', () => {
  const alphabet = [
    '0',
    '7',
    '9',
    '+',
    '-',
    '.',
    '(',
    ')',
    '/',
    ' ',
    '\t',
    '\n',
    '\u00a0',
    '\u2007',
    '\u3000',
    '\ufeff',
    'x',
    '#',
    '\u200b',
  ];
  let seed = 11;
  const next = (limit: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % limit;
  };
  for (let i = 0; i < 20_000; i++) {
    let text = '';
    for (let length = next(16); length > 0; length--) text += alphabet[next(alphabet.length)];
    const start = next(3);
    expect(stripSeparators(text, start)).toBe(text.slice(start).replace(SEPARATORS, ''));
  }
  expect(stripSeparators('+1 (201) 555-2926', 1)).toBe('12015552926');
  expect(stripSeparators('0740 026 4992')).toBe('07400264992');
});

test('isDigits() wants at least one ASCII digit and nothing else', () => {
  expect(isDigits('0123456789')).toBe(true);
  expect(isDigits('+41', 1)).toBe(true);
  expect(isDigits('')).toBe(false);
  expect(isDigits('+', 1)).toBe(false);
  expect(isDigits('12a4')).toBe(false);
  expect(isDigits('١٢٣')).toBe(false);
});

test('trimmed() gives what trim() gives, with every UTF-16 code unit at either end or both', () => {
  const differing: string[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    const unit = String.fromCharCode(code);
    for (const text of [unit, `${unit}41 79`, `41 79${unit}`, `${unit}7${unit}`, `${unit}${unit}`]) {
      if (trimmed(text) !== text.trim()) differing.push(`${code.toString(16)} in ${JSON.stringify(text)}`);
    }
  }
  expect(differing).toEqual([]);
  expect(trimmed('')).toBe('');
  expect(trimmed(' \u00a0+41 79\u3000\t')).toBe('+41 79');
});
