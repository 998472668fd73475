import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVariantKey, isSameVary, normalizeFieldValue, parseVary } from '../../../../src/cache/policy/vary.ts';

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
    name: 'RFC 9111 §4.1: value order is significant for a field that is not a weighted list',
    a: { 'x-flags': 'a, b' },
    b: { 'x-flags': 'b, a' },
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
    const fields = ['accept-encoding', 'accept', 'x-flags'];
    assert.notEqual(buildVariantKey(fields, a), buildVariantKey(fields, b));
  });
}

test('buildVariantKey: RFC 9111 §4.1: no selecting fields gives the empty key', () => {
  assert.equal(buildVariantKey([], { accept: 'text/html' }), '');
});

test('buildVariantKey: RFC 9111 §4.1: the key names each field and its normalised value', () => {
  assert.equal(buildVariantKey(['x-flags', 'cookie'], { 'x-flags': 'gzip ,br' }), 'x-flags:gzip, br\ncookie');
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

// RFC 9110 §12.4.2, §12.5: weighted list fields that state the same preferences select the same stored response.
const weightedSame: { name: string; field: string; a: string | string[]; b: string | string[] }[] = [
  { name: 'RFC 9110 §12.5.3: codings are case-insensitive', field: 'accept-encoding', a: 'GZIP', b: 'gzip' },
  { name: 'RFC 9110 §12.4.2: equal weights in any order', field: 'accept-encoding', a: 'gzip, deflate, br', b: 'br, gzip, deflate' },
  { name: 'RFC 9110 §12.4.2: q=1 is the default weight', field: 'accept-encoding', a: 'gzip;q=1.0, br', b: 'br, gzip' },
  { name: 'RFC 9110 §12.4.2: whitespace around ";" and q written 0.50', field: 'accept-encoding', a: 'gzip ; q=0.50', b: 'gzip;q=0.5' },
  { name: 'RFC 9110 §12.4.2: Q is case-insensitive', field: 'accept-encoding', a: 'gzip;Q=0.5', b: 'gzip;q=0.5' },
  { name: 'RFC 9110 §12.5.4: language tags are case-insensitive', field: 'accept-language', a: 'en-US,en;q=0.9', b: 'en-us, en;q=0.9' },
  { name: 'RFC 9110 §12.5.4: equal weights in any order', field: 'accept-language', a: 'fr, de;q=0.5, en', b: 'en,fr,de;q=0.5' },
  {
    name: 'RFC 9110 §12.5.1, §8.3.1: media types and parameter names are case-insensitive',
    field: 'accept',
    a: 'Text/HTML;Level=1, application/json',
    b: 'application/json,text/html;level=1',
  },
  {
    name: 'RFC 9110 §5.6.6: a quoted token parameter equals the bare token',
    field: 'accept',
    a: 'text/html;level="1"',
    b: 'text/html;level=1',
  },
  {
    name: 'RFC 9110 §5.3: several field lines equal one combined line',
    field: 'accept',
    a: ['text/html', 'application/json'],
    b: 'application/json, text/html',
  },
];

for (const { name, field, a, b } of weightedSame) {
  test(`buildVariantKey: ${name}`, () => {
    assert.equal(buildVariantKey([field], { [field]: a }), buildVariantKey([field], { [field]: b }));
  });
}

const weightedDifferent: { name: string; field: string; a: string; b: string }[] = [
  { name: 'RFC 9110 §12.4.2: different weights differ', field: 'accept-encoding', a: 'gzip;q=0.5, br', b: 'gzip, br;q=0.5' },
  { name: 'RFC 9110 §12.4.2: q=0 (not acceptable) differs from no member', field: 'accept-encoding', a: 'gzip, br;q=0', b: 'gzip' },
  { name: 'RFC 9110 §12.5.1: parameter values keep their case', field: 'accept', a: 'text/html;level=A', b: 'text/html;level=a' },
  { name: 'RFC 9110 §12.4.2: an invalid qvalue is compared as sent', field: 'accept-encoding', a: 'gzip;q=2, br', b: 'br, gzip;q=2' },
  { name: 'RFC 9111 §4.1: other fields keep their order', field: 'x-custom', a: 'a, b', b: 'b, a' },
];

for (const { name, field, a, b } of weightedDifferent) {
  test(`buildVariantKey: ${name}`, () => {
    assert.notEqual(buildVariantKey([field], { [field]: a }), buildVariantKey([field], { [field]: b }));
  });
}

test('buildVariantKey: RFC 9110 §12.5: the canonical form is sorted by weight, then text', () => {
  assert.equal(
    buildVariantKey(['accept-encoding', 'accept-language'], {
      'accept-encoding': 'GZIP, br;q=1.0 , deflate;q=0.50',
      'accept-language': 'EN',
    }),
    'accept-encoding:br, gzip, deflate;q=0.5\naccept-language:en',
  );
});

test('isSameVary: equal lists, by content', () => {
  assert.equal(isSameVary(['accept', 'cookie'], ['accept', 'cookie']), true);
  assert.equal(isSameVary(['accept'], ['accept', 'cookie']), false);
  assert.equal(isSameVary(['accept', 'cookie'], ['cookie', 'accept']), false);
});
