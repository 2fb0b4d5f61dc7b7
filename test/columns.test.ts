import { expect, test } from 'vitest';
import { chooseColumns, looksLikePhone } from '../src/input/columns.js';

test('chooseColumns() - a header that reads like a phone column, in any spelling', () => {
  for (const header of [
    'phone',
    'Phone Number',
    'MOBILE',
    'cell_phone',
    'msisdn',
    'Tel',
    'telefon',
    'whatsapp-number',
  ]) {
    expect(
      chooseColumns(
        [
          ['id', header, 'Country'],
          ['1', 'x', 'CH'],
        ],
        {},
      ),
    ).toEqual({ hasHeader: true, phone: 1, country: 2 });
  }
});

test('chooseColumns() - no header: the column whose values look most like numbers', () => {
  const rows = [
    ['Anna', '+41 79 828 46 51'],
    ['Bob', '079 111 22 33'],
    ['Cleo', 'n/a'],
  ];
  expect(chooseColumns(rows, {})).toEqual({ hasHeader: false, phone: 1, country: undefined });
  expect(chooseColumns([['who', 'contact'], ...rows], {})).toEqual({ hasHeader: true, phone: 1, country: undefined });
});

test('chooseColumns() - a named or numbered column, and clear errors', () => {
  const rows = [
    ['a', 'b', 'land'],
    ['+41798284651', '+41798284652', 'CH'],
  ];
  expect(chooseColumns(rows, { column: 'B', countryColumn: 'land' })).toEqual({
    hasHeader: true,
    phone: 1,
    country: 2,
  });
  expect(chooseColumns(rows, { column: 2 })).toMatchObject({ phone: 1, hasHeader: true });
  expect(chooseColumns(rows.slice(1), { column: '1' })).toMatchObject({ phone: 0, hasHeader: false });
  expect(() => chooseColumns(rows, { column: 'phone' })).toThrow(
    /'phone' is not in the header row, which reads: 'a', 'b', 'land'/,
  );
  expect(() => chooseColumns(rows, { column: 9 })).toThrow(/positions start at 1/);
});

test('looksLikePhone()', () => {
  expect(looksLikePhone('+41 (0)79 828-46-51')).toBe(true);
  expect(looksLikePhone('tel:+41798284651')).toBe(true);
  expect(looksLikePhone('12345')).toBe(false);
  expect(looksLikePhone('phone')).toBe(false);
});
