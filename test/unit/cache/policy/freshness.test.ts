import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeFreshnessLifetime,
  computeInitialAge,
  hasInvalidAge,
  isHeuristicallyCacheable,
  parseAge,
} from '../../../../src/cache/policy/freshness.ts';
import { parseResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import { parseTargetedDirectives } from '../../../../src/cache/policy/targeted.ts';
import type { ResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import { T0, httpDate } from './fixtures.ts';

const OPTIONS = { heuristicFraction: 0.1, heuristicMaxSec: 86_400 };
const TEN_DAYS_SEC = 10 * 86_400;

interface LifetimeCase {
  name: string;
  status?: number;
  cacheControl?: string;
  directives?: ResponseDirectives;
  headers?: Record<string, string | string[]>;
  options?: { heuristicFraction: number; heuristicMaxSec: number };
  lifetimeSec: number;
  heuristic: boolean;
}

const lifetimeCases: LifetimeCase[] = [
  {
    name: 'RFC 9111 §4.2.1: s-maxage wins over max-age in a shared cache (max-age=0, s-maxage=3600)',
    cacheControl: 'max-age=0, s-maxage=3600',
    lifetimeSec: 3600,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: s-maxage=0 wins over max-age=3600',
    cacheControl: 's-maxage=0, max-age=3600',
    lifetimeSec: 0,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §5.3: max-age wins over Expires',
    cacheControl: 'max-age=60',
    headers: { date: httpDate(0), expires: httpDate(3600) },
    lifetimeSec: 60,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §5.3: max-age=0 wins over a future Expires',
    cacheControl: 'max-age=0',
    headers: { date: httpDate(0), expires: httpDate(3600) },
    lifetimeSec: 0,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §5.3: max-age=3600 wins over a past Expires',
    cacheControl: 'max-age=3600',
    headers: { date: httpDate(0), expires: httpDate(-3600) },
    lifetimeSec: 3600,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §5.3: s-maxage wins over Expires',
    cacheControl: 's-maxage=10',
    headers: { date: httpDate(0), expires: httpDate(3600) },
    lifetimeSec: 10,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: an invalid max-age (stale) beats a future Expires',
    cacheControl: 'max-age=abc',
    headers: { date: httpDate(0), expires: httpDate(3600) },
    lifetimeSec: 0,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: Expires minus Date',
    headers: { date: httpDate(0), expires: httpDate(600) },
    lifetimeSec: 600,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: Expires minus a Date in the past (age accounts for the rest)',
    headers: { date: httpDate(-3600), expires: httpDate(600) },
    lifetimeSec: 4200,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: Expires minus a Date in the future',
    headers: { date: httpDate(3600), expires: httpDate(4200) },
    lifetimeSec: 600,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: Expires without Date uses the response time',
    headers: { expires: httpDate(600) },
    lifetimeSec: 600,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: Expires with an invalid Date uses the response time',
    headers: { date: 'yesterday', expires: httpDate(600) },
    lifetimeSec: 600,
    heuristic: false,
  },
  { name: 'RFC 9111 §5.3: Expires "0" is already expired', headers: { date: httpDate(0), expires: '0' }, lifetimeSec: 0, heuristic: false },
  {
    name: 'RFC 9111 §5.3: an invalid Expires is already expired, even with Last-Modified',
    headers: { date: httpDate(0), expires: 'soon', 'last-modified': httpDate(-TEN_DAYS_SEC) },
    lifetimeSec: 0,
    heuristic: false,
  },
  { name: 'RFC 9111 §5.3: Expires in the past', headers: { date: httpDate(0), expires: httpDate(-60) }, lifetimeSec: 0, heuristic: false },
  { name: 'RFC 9111 §5.3: Expires equal to Date', headers: { date: httpDate(0), expires: httpDate(0) }, lifetimeSec: 0, heuristic: false },
  {
    name: 'RFC 9110 §5.6.7: Expires in RFC 850 format',
    headers: { date: httpDate(0), expires: 'Thursday, 01-Jan-26 01:00:00 GMT' },
    lifetimeSec: 3600,
    heuristic: false,
  },
  {
    name: 'RFC 9110 §5.6.7: Expires in asctime format',
    headers: { date: httpDate(0), expires: 'Thu Jan  1 01:00:00 2026' },
    lifetimeSec: 3600,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.1: of two Expires lines the first is used',
    headers: { date: httpDate(0), expires: [httpDate(600), httpDate(60)] },
    lifetimeSec: 600,
    heuristic: false,
  },
  {
    name: 'RFC 9213 §2.1: Expires is ignored under targeted directives',
    directives: parseTargetedDirectives('must-revalidate'),
    status: 302,
    headers: { date: httpDate(0), expires: httpDate(600) },
    lifetimeSec: 0,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.2: heuristic is a fraction of Date minus Last-Modified',
    headers: { date: httpDate(0), 'last-modified': httpDate(-TEN_DAYS_SEC) },
    options: { heuristicFraction: 0.1, heuristicMaxSec: 10 * 86_400 },
    lifetimeSec: 86_400,
    heuristic: true,
  },
  {
    name: 'RFC 9111 §4.2.2: heuristic is capped',
    headers: { date: httpDate(0), 'last-modified': httpDate(-TEN_DAYS_SEC) },
    options: { heuristicFraction: 0.1, heuristicMaxSec: 3600 },
    lifetimeSec: 3600,
    heuristic: true,
  },
  {
    name: 'RFC 9111 §4.2.2: heuristic without Date uses the response time',
    headers: { 'last-modified': httpDate(-1000) },
    lifetimeSec: 100,
    heuristic: true,
  },
  {
    name: 'RFC 9111 §4.2.2: heuristic needs Last-Modified (else 0: stored stale)',
    headers: { date: httpDate(0) },
    lifetimeSec: 0,
    heuristic: true,
  },
  {
    name: 'RFC 9111 §4.2.2: an invalid Last-Modified gives no heuristic lifetime',
    headers: { date: httpDate(0), 'last-modified': 'last week' },
    lifetimeSec: 0,
    heuristic: true,
  },
  {
    name: 'RFC 9111 §4.2.2: Last-Modified after Date gives no heuristic lifetime',
    headers: { date: httpDate(0), 'last-modified': httpDate(60) },
    lifetimeSec: 0,
    heuristic: true,
  },
  {
    name: 'RFC 9111 §4.2.2: no heuristic for a status that is not heuristically cacheable (302)',
    status: 302,
    headers: { date: httpDate(0), 'last-modified': httpDate(-TEN_DAYS_SEC) },
    lifetimeSec: 0,
    heuristic: false,
  },
  {
    name: 'RFC 9111 §4.2.2: public makes any status heuristically cacheable (302)',
    status: 302,
    cacheControl: 'public',
    headers: { date: httpDate(0), 'last-modified': httpDate(-TEN_DAYS_SEC) },
    lifetimeSec: 86_400,
    heuristic: true,
  },
  {
    name: 'RFC 9111 §4.2.2: no-cache without explicit freshness still gets a heuristic lifetime (revalidated on use anyway)',
    cacheControl: 'no-cache',
    headers: { date: httpDate(0), 'last-modified': httpDate(-1000) },
    lifetimeSec: 100,
    heuristic: true,
  },
];

for (const testCase of lifetimeCases) {
  test(`computeFreshnessLifetime: ${testCase.name}`, () => {
    const directives = testCase.directives ?? parseResponseDirectives(testCase.cacheControl);
    const result = computeFreshnessLifetime(testCase.status ?? 200, directives, testCase.headers ?? {}, T0, testCase.options ?? OPTIONS);
    assert.deepEqual(result, { lifetimeSec: testCase.lifetimeSec, heuristic: testCase.heuristic });
  });
}

const HEURISTIC_STATUSES = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];
const NOT_HEURISTIC_STATUSES = [201, 202, 302, 303, 307, 400, 401, 403, 500, 502, 503, 504];

for (const status of HEURISTIC_STATUSES) {
  test(`computeFreshnessLifetime: RFC 9110 §15.1: ${status} with Last-Modified gets a heuristic lifetime`, () => {
    assert.equal(isHeuristicallyCacheable(status), true);
    const result = computeFreshnessLifetime(
      status,
      parseResponseDirectives(undefined),
      { date: httpDate(0), 'last-modified': httpDate(-1000) },
      T0,
      OPTIONS,
    );
    assert.deepEqual(result, { lifetimeSec: 100, heuristic: true });
  });
}

for (const status of NOT_HEURISTIC_STATUSES) {
  test(`computeFreshnessLifetime: RFC 9110 §15.1: ${status} with Last-Modified gets no heuristic lifetime`, () => {
    assert.equal(isHeuristicallyCacheable(status), false);
    const result = computeFreshnessLifetime(
      status,
      parseResponseDirectives(undefined),
      { date: httpDate(0), 'last-modified': httpDate(-1000) },
      T0,
      OPTIONS,
    );
    assert.deepEqual(result, { lifetimeSec: 0, heuristic: false });
  });
}

interface AgeCase {
  name: string;
  headers: Record<string, string | string[]>;
  requestAt?: number;
  expected: number;
}

const ageCases: AgeCase[] = [
  { name: 'RFC 9111 §4.2.3: no Age and Date equal to the response time: 0', headers: { date: httpDate(0) }, expected: 0 },
  { name: 'RFC 9111 §4.2.3: no Date means no apparent age', headers: {}, expected: 0 },
  { name: 'RFC 9111 §4.2.3: apparent_age = response_time - date_value', headers: { date: httpDate(-10) }, expected: 10 },
  { name: 'RFC 9111 §4.2.3: a Date in the future gives apparent_age 0', headers: { date: httpDate(3600) }, expected: 0 },
  {
    name: 'RFC 9111 §4.2.3: corrected_age_value = age_value + response_delay',
    headers: { date: httpDate(0), age: '100' },
    requestAt: T0 - 2000,
    expected: 102,
  },
  {
    name: 'RFC 9111 §4.2.3: corrected_initial_age takes the larger apparent_age',
    headers: { date: httpDate(-3600), age: '10' },
    expected: 3600,
  },
  {
    name: 'RFC 9111 §4.2.3: corrected_initial_age takes the larger corrected_age_value',
    headers: { date: httpDate(-10), age: '3600' },
    expected: 3600,
  },
  // An invalid Age counts as 0 here (§4.2.3 "or 0, if not available"); it makes the response stale instead (hasInvalidAge).
  { name: 'RFC 9111 §5.1: a negative Age counts as 0', headers: { date: httpDate(0), age: '-7200' }, expected: 0 },
  { name: 'RFC 9111 §5.1: an Age with a trailing word ("3600 a") counts as 0', headers: { date: httpDate(0), age: '3600 a' }, expected: 0 },
  { name: 'RFC 9111 §5.1: a fractional Age counts as 0', headers: { date: httpDate(0), age: '7200.0' }, expected: 0 },
  { name: 'RFC 9111 §5.1: a non-numeric Age counts as 0', headers: { date: httpDate(0), age: 'abc' }, expected: 0 },
  { name: 'RFC 9111 §5.1: an empty Age counts as 0', headers: { date: httpDate(0), age: '' }, expected: 0 },
  {
    name: 'RFC 9111 §5.1: a list-valued Age (0, 7200) is invalid and counts as 0',
    headers: { date: httpDate(0), age: '0, 7200' },
    expected: 0,
  },
  {
    name: 'RFC 9111 §5.1: a list-valued Age (7200, 0) is invalid and counts as 0',
    headers: { date: httpDate(0), age: '7200, 0' },
    expected: 0,
  },
  {
    name: 'RFC 9111 §5.1: of two Age lines the first is used (0 then 7200)',
    headers: { date: httpDate(0), age: ['0', '7200'] },
    expected: 0,
  },
  {
    name: 'RFC 9111 §5.1: of two Age lines the first is used (7200 then 0)',
    headers: { date: httpDate(0), age: ['7200', '0'] },
    expected: 7200,
  },
  { name: 'RFC 9111 §1.2.2: Age 2147483647 is kept', headers: { date: httpDate(0), age: '2147483647' }, expected: 2147483647 },
  { name: 'RFC 9111 §1.2.2: Age 2147483648 is kept', headers: { date: httpDate(0), age: '2147483648' }, expected: 2147483648 },
  { name: 'RFC 9111 §1.2.2: Age 2147483649 clamps to 2147483648', headers: { date: httpDate(0), age: '2147483649' }, expected: 2147483648 },
  {
    name: 'RFC 9111 §1.2.2: a huge Age clamps to 2147483648, even after adding the delay',
    headers: { date: httpDate(0), age: '99999999999999999999' },
    requestAt: T0 - 5000,
    expected: 2147483648,
  },
];

for (const { name, headers, requestAt, expected } of ageCases) {
  test(`computeInitialAge: ${name}`, () => {
    assert.equal(computeInitialAge(headers, requestAt ?? T0, T0), expected);
  });
}

test('parseAge: RFC 9111 §5.1: absent Age is undefined, valid Age is its value', () => {
  assert.equal(parseAge(undefined), undefined);
  assert.equal(parseAge(' 42 '), 42);
  assert.equal(parseAge('4 2'), undefined);
});

const invalidAges: (string | string[])[] = [
  'abc',
  '-1',
  '1.5',
  '0, 7200',
  '7200, 0',
  '1; foo=bar',
  '1;foo=bar',
  '',
  '+5',
  '0x10',
  ['abc', '0'],
];
for (const age of invalidAges) {
  test(`parseAge, hasInvalidAge: RFC 9111 §5.1: ${JSON.stringify(age)} is invalid`, () => {
    assert.equal(parseAge(age), undefined);
    assert.equal(hasInvalidAge({ age }), true);
  });
}

const validAges: [value: string | string[], seconds: number][] = [
  ['0', 0],
  ['7200', 7200],
  [['0', '7200'], 0],
  [['7200', 'abc'], 7200],
  ['2147483648', 2147483648],
  ['2147483649', 2147483648],
  ['99999999999999999999', 2147483648],
];
for (const [age, seconds] of validAges) {
  test(`parseAge, hasInvalidAge: RFC 9111 §5.1, §1.2.2: ${JSON.stringify(age)} is ${seconds}`, () => {
    assert.equal(parseAge(age), seconds);
    assert.equal(hasInvalidAge({ age }), false);
  });
}

test('hasInvalidAge: RFC 9111 §5.1: no Age is not invalid', () => {
  assert.equal(hasInvalidAge({}), false);
});
