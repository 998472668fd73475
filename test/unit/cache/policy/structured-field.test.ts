import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSfDictionary } from '../../../../src/cache/policy/structured-field.ts';

const validCases: { name: string; value: string; expected: Record<string, unknown> }[] = [
  {
    name: 'RFC 9651 §4.2.2: integer, boolean and string members',
    value: 'a=1, b, c="x y"',
    expected: { a: { type: 'integer', value: 1 }, b: { type: 'boolean', value: true }, c: { type: 'string', value: 'x y' } },
  },
  { name: 'RFC 9651 §4.2: leading and trailing spaces are discarded', value: '  a=1  ', expected: { a: { type: 'integer', value: 1 } } },
  {
    name: 'RFC 9651 §4.2.2: OWS around commas',
    value: 'a=1 ,\tb=2',
    expected: { a: { type: 'integer', value: 1 }, b: { type: 'integer', value: 2 } },
  },
  {
    name: 'RFC 9651 §4.2.4: negative integers and decimals',
    value: 'a=-5, b=1.25',
    expected: { a: { type: 'integer', value: -5 }, b: { type: 'decimal', value: 1.25 } },
  },
  { name: 'RFC 9651 §4.2.6: tokens may hold ":" and "/"', value: 'a=text/html', expected: { a: { type: 'token', value: 'text/html' } } },
  { name: 'RFC 9651 §4.2.7: byte sequences', value: 'a=:aGVsbG8=:', expected: { a: { type: 'bytes', value: 'aGVsbG8=' } } },
  {
    name: 'RFC 9651 §4.2.1.2: inner lists with parameters',
    value: 'a=(1 "x");p=1, b=?0',
    expected: { a: { type: 'inner-list' }, b: { type: 'boolean', value: false } },
  },
  {
    name: 'RFC 9651 §4.2.5: escaped quote and backslash in strings',
    value: 'a="q\\"b\\\\"',
    expected: { a: { type: 'string', value: 'q"b\\' } },
  },
  { name: 'RFC 9651 §4.2.9: dates', value: 'a=@1659578233', expected: { a: { type: 'date', value: 1659578233 } } },
  { name: 'RFC 9651 §4.2.10: display strings', value: 'a=%"f%c3%bc"', expected: { a: { type: 'display', value: 'f%c3%bc' } } },
  {
    name: 'RFC 9651 §4.2.3.3: keys may start with "*" and hold "_-.*"',
    value: '*a_b-c.d*=1',
    expected: { '*a_b-c.d*': { type: 'integer', value: 1 } },
  },
];

for (const { name, value, expected } of validCases) {
  test(`parseSfDictionary: ${name}`, () => {
    const parsed = parseSfDictionary(value);
    assert.ok(parsed !== undefined);
    assert.deepEqual(Object.fromEntries(parsed), expected);
  });
}

const invalidCases: { name: string; value: string }[] = [
  { name: 'RFC 9651 §4.2.3.3: upper-case key', value: 'A=1' },
  { name: 'RFC 9651 §4.2.2: trailing comma', value: 'a=1,' },
  { name: 'RFC 9651 §4.2.2: empty member', value: 'a=1,,b=2' },
  { name: 'RFC 9651 §4.2.4: integer with 16 digits', value: 'a=1234567890123456' },
  { name: 'RFC 9651 §4.2.4: decimal with 4 fractional digits', value: 'a=1.2345' },
  { name: 'RFC 9651 §4.2.4: decimal without fractional digits', value: 'a=1.' },
  { name: 'RFC 9651 §4.2.5: unterminated string', value: 'a="x' },
  { name: 'RFC 9651 §4.2.5: non-printable character in a string', value: 'a="\u00e9"' },
  { name: 'RFC 9651 §4.2.5: unknown escape', value: 'a="\\n"' },
  { name: 'RFC 9651 §4.2.8: boolean other than ?0/?1', value: 'a=?2' },
  { name: 'RFC 9651 §4.2.3.2: parameter without a key', value: 'a=1;=2' },
  { name: 'RFC 9651 §4.2.1.2: inner list items must be separated by a space', value: 'a=(1,2)' },
  { name: 'RFC 9651 §4.2.7: unterminated byte sequence', value: 'a=:abc' },
  { name: 'RFC 9651 §4.2.2: tab before the first key', value: '\ta=1' },
];

for (const { name, value } of invalidCases) {
  test(`parseSfDictionary: invalid: ${name}`, () => {
    assert.equal(parseSfDictionary(value), undefined);
  });
}

test('parseSfDictionary: RFC 9651 §4.2.2: empty input is an empty Dictionary', () => {
  assert.equal(parseSfDictionary('')?.size, 0);
});
