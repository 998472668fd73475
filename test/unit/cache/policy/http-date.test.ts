import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHttpDate, parseHttpDate } from '../../../../src/cache/policy/http-date.ts';

const SUN_06_NOV_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

const validCases: { name: string; value: string; nowAt?: number; expected: number }[] = [
  { name: 'RFC 9110 §5.6.7: IMF-fixdate', value: 'Sun, 06 Nov 1994 08:49:37 GMT', expected: SUN_06_NOV_1994 },
  { name: 'RFC 9110 §5.6.7: obsolete RFC 850 format', value: 'Sunday, 06-Nov-94 08:49:37 GMT', expected: SUN_06_NOV_1994 },
  { name: 'RFC 9110 §5.6.7: asctime format with a one-digit day', value: 'Sun Nov  6 08:49:37 1994', expected: SUN_06_NOV_1994 },
  {
    name: 'RFC 9110 §5.6.7: asctime format with a two-digit day',
    value: 'Thu Nov 24 08:49:37 1994',
    expected: Date.UTC(1994, 10, 24, 8, 49, 37),
  },
  { name: 'RFC 9111 §4.2: a cache matches dates case-insensitively', value: 'sun, 06 nov 1994 08:49:37 gmt', expected: SUN_06_NOV_1994 },
  {
    name: 'RFC 9111 §4.2: a leap second reads as the nearest earlier time',
    value: 'Wed, 31 Dec 2008 23:59:60 GMT',
    expected: Date.UTC(2008, 11, 31, 23, 59, 59),
  },
  { name: 'RFC 9110 §5.6.7: 29 February of a leap year', value: 'Thu, 29 Feb 2024 00:00:00 GMT', expected: Date.UTC(2024, 1, 29) },
  { name: 'RFC 9110 §5.6.7: 29 February 2000 (divisible by 400)', value: 'Tue, 29 Feb 2000 00:00:00 GMT', expected: Date.UTC(2000, 1, 29) },
  {
    name: 'RFC 9110 §5.6.7: surrounding whitespace is not part of the date',
    value: '  Sun, 06 Nov 1994 08:49:37 GMT ',
    expected: SUN_06_NOV_1994,
  },
  {
    name: 'RFC 9110 §5.6.7: RFC 850 year more than 50 years ahead is in the past',
    value: 'Monday, 01-Jan-80 00:00:00 GMT',
    nowAt: Date.UTC(2026, 0, 1),
    expected: Date.UTC(1980, 0, 1),
  },
  {
    name: 'RFC 9110 §5.6.7: RFC 850 year less than 50 years ahead is in the future',
    value: 'Monday, 01-Jan-70 00:00:00 GMT',
    nowAt: Date.UTC(2026, 0, 1),
    expected: Date.UTC(2070, 0, 1),
  },
  {
    name: 'RFC 9110 §5.6.7: RFC 850 year without a clock pivots at 70',
    value: 'Thursday, 01-Jan-70 00:00:00 GMT',
    expected: Date.UTC(1970, 0, 1),
  },
];

for (const { name, value, nowAt, expected } of validCases) {
  test(`parseHttpDate: ${name}`, () => {
    assert.equal(parseHttpDate(value, nowAt), expected);
  });
}

test('parseHttpDate: RFC 9110 §5.6.7: a four-digit year below 100 is not shifted to the 1900s', () => {
  const parsed = parseHttpDate('Mon, 02 Jan 0050 03:04:05 GMT');
  assert.ok(parsed !== undefined);
  assert.equal(new Date(parsed).toISOString(), '0050-01-02T03:04:05.000Z');
});

const invalidCases: { name: string; value: string | undefined }[] = [
  { name: 'absent', value: undefined },
  { name: 'RFC 9111 §5.3: "0"', value: '0' },
  { name: 'empty', value: '' },
  { name: 'RFC 9111 §4.2: a zone other than GMT (UTC)', value: 'Sun, 06 Nov 1994 08:49:37 UTC' },
  { name: 'RFC 9111 §4.2: a numeric zone', value: 'Sun, 06 Nov 1994 08:49:37 +0000' },
  { name: 'no zone', value: 'Sun, 06 Nov 1994 08:49:37' },
  { name: 'one-digit day in IMF-fixdate', value: 'Sun, 6 Nov 1994 08:49:37 GMT' },
  { name: 'two-digit year in IMF-fixdate', value: 'Sun, 06 Nov 94 08:49:37 GMT' },
  { name: 'a day that does not exist (31 November)', value: 'Thu, 31 Nov 1994 08:49:37 GMT' },
  { name: '29 February 1900 (not a leap year)', value: 'Thu, 29 Feb 1900 08:49:37 GMT' },
  { name: 'hour 24', value: 'Sun, 06 Nov 1994 24:00:00 GMT' },
  { name: 'minute 60', value: 'Sun, 06 Nov 1994 08:60:00 GMT' },
  { name: 'unknown month', value: 'Sun, 06 Foo 1994 08:49:37 GMT' },
  { name: 'unknown day name', value: 'Sux, 06 Nov 1994 08:49:37 GMT' },
  { name: 'ISO 8601', value: '1994-11-06T08:49:37Z' },
  { name: 'epoch seconds', value: '784111777' },
  { name: 'RFC 850 with a short day name', value: 'Sun, 06-Nov-94 08:49:37 GMT' },
];

for (const { name, value } of invalidCases) {
  test(`parseHttpDate: RFC 9110 §5.6.7: invalid: ${name}`, () => {
    assert.equal(parseHttpDate(value), undefined);
  });
}

test('formatHttpDate: RFC 9110 §5.6.7: IMF-fixdate, milliseconds dropped, and it round-trips', () => {
  assert.equal(formatHttpDate(SUN_06_NOV_1994 + 999), 'Sun, 06 Nov 1994 08:49:37 GMT');
  const at = Date.UTC(2026, 4, 3, 7, 5, 9);
  assert.equal(parseHttpDate(formatHttpDate(at)), at);
});
