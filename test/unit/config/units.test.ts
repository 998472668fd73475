import test from 'node:test';
import assert from 'node:assert/strict';
import { formatByteSize, parseByteSize, parseDuration } from '../../../src/config/units.ts';

test('parseByteSize reads integers and binary/decimal unit strings', () => {
  const cases: Array<[unknown, number | undefined]> = [
    [0, 0],
    [1024, 1024],
    ['4096', 4096],
    ['100B', 100],
    ['512KiB', 512 * 1024],
    ['256MiB', 256 * 1024 * 1024],
    ['1GiB', 1024 ** 3],
    ['2TiB', 2 * 1024 ** 4],
    ['10MB', 10_000_000],
    ['10kB', 10_000],
    ['10KB', 10_000],
    ['1GB', 1e9],
    ['1.5KiB', 1536],
    ['1.1MB', 1_100_000],
    ['0.5B', 0],
    [' 64 MiB ', 64 * 1024 * 1024],
    // refused
    [-1, undefined],
    [1.5, undefined],
    [Number.MAX_SAFE_INTEGER + 2, undefined],
    ['', undefined],
    ['MiB', undefined],
    ['-5MiB', undefined],
    ['5 mib', undefined],
    ['5Mb', undefined],
    ['5XB', undefined],
    ['1e3', undefined],
    [null, undefined],
    [true, undefined],
  ];
  for (const [input, expected] of cases) assert.equal(parseByteSize(input), expected, JSON.stringify(input));
});

test('parseDuration reads integers in the key unit and unit strings, refusing fractions of the unit', () => {
  const cases: Array<[unknown, 'ms' | 'sec', number | undefined]> = [
    [250, 'ms', 250],
    [30, 'sec', 30],
    ['500ms', 'ms', 500],
    ['30s', 'ms', 30_000],
    ['1.5s', 'ms', 1500],
    ['1.1s', 'ms', 1100],
    ['5m', 'ms', 300_000],
    ['2h', 'ms', 7_200_000],
    ['1d', 'sec', 86_400],
    ['2000ms', 'sec', 2],
    ['1500ms', 'sec', undefined],
    ['0.5ms', 'ms', undefined],
    ['30', 'ms', 30],
    ['30', 'sec', 30],
    ['30.5', 'ms', undefined],
    ['30x', 'ms', undefined],
    [-1, 'ms', undefined],
    [2.5, 'sec', undefined],
    [undefined, 'ms', undefined],
  ];
  for (const [input, unit, expected] of cases) assert.equal(parseDuration(input, unit), expected, `${JSON.stringify(input)} as ${unit}`);
});

test('formatByteSize picks the largest exact binary unit', () => {
  const cases: Array<[number, string]> = [
    [268_435_456, '256MiB'],
    [1536, '1536B'],
    [2048, '2KiB'],
    [1000, '1000B'],
    [0, '0B'],
    [1024 ** 3, '1GiB'],
  ];
  for (const [bytes, expected] of cases) assert.equal(formatByteSize(bytes), expected);
});
