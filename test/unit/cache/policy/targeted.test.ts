import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargetedDirectives } from '../../../../src/cache/policy/targeted.ts';
import type { ResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';

const validCases: { name: string; value: string | string[]; expected: Partial<ResponseDirectives> }[] = [
  { name: 'RFC 9213 §2.1: max-age as an sf-integer', value: 'max-age=60', expected: { maxAge: 60, targeted: true } },
  { name: 'RFC 9213 §2.1: a string max-age has the wrong type and reads as stale (0)', value: 'max-age="60"', expected: { maxAge: 0 } },
  { name: 'RFC 9213 §2.1: a negative max-age reads as 0', value: 'max-age=-1', expected: { maxAge: 0 } },
  { name: 'RFC 9213 §2.1: a decimal max-age reads as 0', value: 'max-age=1.5', expected: { maxAge: 0 } },
  { name: 'RFC 9111 §1.2.2: a huge s-maxage clamps to 2^31', value: 's-maxage=999999999999999', expected: { sMaxAge: 2147483648 } },
  {
    name: 'RFC 9213 §2.1: bare directives are sf-boolean true',
    value: 'no-store, must-revalidate',
    expected: { noStore: true, mustRevalidate: true },
  },
  { name: 'RFC 9213 §2.1: an explicit ?0 means absent', value: 'no-store=?0, public=?1', expected: { noStore: false, public: true } },
  {
    name: 'RFC 9213 §2.1: qualified private is an sf-string of field names',
    value: 'private="Set-Cookie, X-Foo"',
    expected: { private: false, privateFields: ['set-cookie', 'x-foo'] },
  },
  { name: 'RFC 9213 §2.1: bare no-cache', value: 'no-cache', expected: { noCache: true } },
  {
    name: 'RFC 9651 §4.2.2: parameters are parsed and ignored',
    value: 'max-age=60;foo=bar, private',
    expected: { maxAge: 60, private: true },
  },
  {
    name: 'RFC 5861: stale-while-revalidate and stale-if-error',
    value: 'max-age=1, stale-while-revalidate=30, stale-if-error=60',
    expected: { staleWhileRevalidate: 30, staleIfError: 60 },
  },
  { name: 'RFC 9651 §4.2.2: duplicate keys keep the last value', value: 'max-age=60, max-age=5', expected: { maxAge: 5 } },
  {
    name: 'RFC 9651 §4.2: several field lines are joined with commas',
    value: ['max-age=60', 'immutable'],
    expected: { maxAge: 60, immutable: true },
  },
  { name: 'RFC 9213 §2.1: unknown directives are ignored', value: 'foo=(1 2), max-age=3', expected: { maxAge: 3 } },
];

for (const { name, value, expected } of validCases) {
  test(`parseTargetedDirectives: ${name}`, () => {
    const directives = parseTargetedDirectives(value);
    assert.ok(directives !== undefined);
    const picked: Record<string, unknown> = {};
    for (const key of Object.keys(expected)) picked[key] = directives[key as keyof ResponseDirectives];
    assert.deepEqual(picked, expected);
  });
}

const invalidCases: { name: string; value: string | string[] | undefined }[] = [
  { name: 'absent', value: undefined },
  { name: 'empty', value: '' },
  { name: 'only spaces', value: '   ' },
  { name: 'upper-case key (RFC 9651 §3.2 keys are lower-case)', value: 'Max-Age=60' },
  { name: 'trailing comma', value: 'max-age=60,' },
  { name: 'missing value after "="', value: 'max-age=' },
  { name: 'members not separated by a comma', value: 'max-age=60 private' },
  { name: 'unterminated inner list', value: 'max-age=(1 2' },
  { name: 'a member that is not a key', value: '"max-age"' },
  { name: 'Cache-Control-style quoted field list with a bad escape', value: 'private="a\\b"' },
];

for (const { name, value } of invalidCases) {
  test(`parseTargetedDirectives: RFC 9213 §2.1: invalid field is ignored: ${name}`, () => {
    assert.equal(parseTargetedDirectives(value), undefined);
  });
}
