import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVariantKey, normalizeFieldValue, parseVary } from '../../../../src/cache/policy/vary.ts';

const varyCases: { name: string; vary: string | string[] | undefined; expected: readonly string[] | '*' }[] = [
  { name: 'RFC 9111 §4.1: no Vary, no selecting fields', vary: undefined, expected: [] },
  { name: 'RFC 9110 §12.5.5: one field, lower-cased', vary: 'Accept-Encoding', expected: ['accept-encoding'] },
  {
    name: 'RFC 9110 §12.5.5: names are case-insensitive and deduplicated, order kept',
    vary: 'Accept, accept-language , ACCEPT',
    expected: ['accept', 'accept-language'],
  },
  { name: 'RFC 9110 §5.3: several field lines form one list', vary: ['Accept', 'Cookie'], expected: ['accept', 'cookie'] },
  { name: 'RFC 9110 §12.5.5: * alone', vary: '*', expected: '*' },
  { name: 'RFC 9111 §4.1: a list containing * always fails to match', vary: 'Accept, *', expected: '*' },
  { name: 'RFC 9111 §4.1: * on a second field line', vary: ['Accept', '*'], expected: '*' },
  { name: 'RFC 9110 §12.5.5: a member that is not a field name can never match (treated as *)', vary: 'Accept, "foo"', expected: '*' },
  { name: 'RFC 9110 §5.6.1: an empty Vary selects nothing', vary: '', expected: [] },
  { name: 'RFC 9110 §5.6.1: empty members are ignored', vary: ' , Accept ,, ', expected: ['accept'] },
];

for (const { name, vary, expected } of varyCases) {
  test(`parseVary: ${name}`, () => {
    assert.deepEqual(parseVary(vary === undefined ? {} : { vary }), expected);
  });
}

const sameKeyCases: { name: string; a: string | string[]; b: string | string[] }[] = [
  { name: 'RFC 9111 §4.1: whitespace around commas does not matter', a: 'gzip,br', b: 'gzip ,  br' },
  { name: 'RFC 9111 §4.1: surrounding whitespace does not matter', a: ' gzip, br\t', b: 'gzip, br' },
  { name: 'RFC 9111 §4.1: several field lines equal one combined line', a: ['gzip', 'br'], b: 'gzip, br' },
];

for (const { name, a, b } of sameKeyCases) {
  test(`buildVariantKey: ${name}`, () => {
    const fields = ['accept-encoding'];
    assert.equal(buildVariantKey(fields, { 'accept-encoding': a }), buildVariantKey(fields, { 'accept-encoding': b }));
  });
}

const differentKeyCases: { name: string; a: Record<string, string>; b: Record<string, string> }[] = [
  { name: 'RFC 9111 §4.1: an absent field only matches an absent field (absent vs empty)', a: {}, b: { 'accept-encoding': '' } },
  { name: 'RFC 9111 §4.1: different values differ', a: { 'accept-encoding': 'gzip' }, b: { 'accept-encoding': 'br' } },
  {
    name: 'RFC 9111 §4.1: value order is significant for an unknown field',
    a: { 'accept-encoding': 'gzip, br' },
    b: { 'accept-encoding': 'br, gzip' },
  },
  {
    name: 'RFC 9111 §4.1: values do not leak between fields',
    a: { 'accept-encoding': 'x', accept: '' },
    b: { 'accept-encoding': '', accept: 'x' },
  },
  {
    name: 'RFC 9111 §4.1: a value cannot impersonate the next field',
    a: { 'accept-encoding': 'gzip\naccept:x' },
    b: { 'accept-encoding': 'gzip', accept: 'x' },
  },
];

for (const { name, a, b } of differentKeyCases) {
  test(`buildVariantKey: ${name}`, () => {
    const fields = ['accept-encoding', 'accept'];
    assert.notEqual(buildVariantKey(fields, a), buildVariantKey(fields, b));
  });
}

test('buildVariantKey: RFC 9111 §4.1: no selecting fields gives the empty key', () => {
  assert.equal(buildVariantKey([], { accept: 'text/html' }), '');
});

test('buildVariantKey: RFC 9111 §4.1: the key names each field and its normalised value', () => {
  assert.equal(buildVariantKey(['accept-encoding', 'cookie'], { 'accept-encoding': 'gzip ,br' }), 'accept-encoding:gzip, br\ncookie');
});

const normalizeCases: { name: string; value: string; expected: string }[] = [
  { name: 'RFC 9110 §5.6.1: already normal', value: 'gzip, br', expected: 'gzip, br' },
  { name: 'RFC 9110 §5.6.1: OWS before and after commas collapses to ", "', value: 'a\t,b , c', expected: 'a, b, c' },
  { name: 'RFC 9110 §5.6.4: commas and spaces inside quoted strings are kept', value: 'a="x , y" ,b', expected: 'a="x , y", b' },
  { name: 'RFC 9110 §5.6.4: an escaped quote does not end the quoted string', value: '"a\\" ,b" ,c', expected: '"a\\" ,b", c' },
];

for (const { name, value, expected } of normalizeCases) {
  test(`normalizeFieldValue: ${name}`, () => {
    assert.equal(normalizeFieldValue(value), expected);
  });
}
