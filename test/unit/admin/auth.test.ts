import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBearerCheck, extractBearerToken, formatBearerChallenge, type BearerCheck } from '../../../src/admin/auth.ts';

const TOKEN = 'admin-token-0123456789';

const cases: ReadonlyArray<[string, string | undefined, BearerCheck]> = [
  ['the right token', `Bearer ${TOKEN}`, 'ok'],
  ['RFC 9110 §11.1: the scheme is case-insensitive', `bearer ${TOKEN}`, 'ok'],
  ['RFC 9110 §11.1: the scheme is case-insensitive (upper case)', `BEARER ${TOKEN}`, 'ok'],
  ['RFC 9110 §11.4: several spaces after the scheme', `Bearer   ${TOKEN}`, 'ok'],
  ['no Authorization field', undefined, 'missing'],
  ['an empty field', '', 'missing'],
  ['another scheme (Basic)', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, 'missing'],
  ['the scheme alone', 'Bearer', 'missing'],
  ['the token without a scheme', TOKEN, 'missing'],
  ['RFC 6750 §2.1: credentials with a space inside are not one token', `Bearer ${TOKEN} extra`, 'missing'],
  ['a non-ASCII token', 'Bearer tokén', 'missing'],
  ['a wrong token', 'Bearer wrong-token', 'invalid'],
  ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`, 'invalid'],
  ['the token plus one character', `Bearer ${TOKEN}0`, 'invalid'],
  ['the token in another case', `Bearer ${TOKEN.toUpperCase()}`, 'invalid'],
];

for (const [name, header, expected] of cases) {
  test(`bearer check: ${name} → ${expected}`, () => {
    assert.equal(createBearerCheck(TOKEN)(header), expected);
  });
}

test('bearer check: an empty configured token authorizes nobody', () => {
  const check = createBearerCheck('');
  assert.equal(check('Bearer x'), 'invalid');
  assert.equal(check(undefined), 'missing');
});

test('bearer token: RFC 6750 §2.1 token68 with "=" padding, and any visible ASCII a configured token may use', () => {
  assert.equal(extractBearerToken('Bearer abc.DEF-_~+/=='), 'abc.DEF-_~+/==');
  assert.equal(extractBearerToken('Bearer s3cr3t!#pass'), 's3cr3t!#pass');
  assert.equal(createBearerCheck('s3cr3t!#pass')('Bearer s3cr3t!#pass'), 'ok');
  assert.equal(extractBearerToken('Bearer a\tb'), undefined);
});

test('challenge: RFC 6750 §3 realm always, error="invalid_token" only for a presented token', () => {
  assert.equal(formatBearerChallenge('missing'), 'Bearer realm="cachet-admin"');
  assert.equal(formatBearerChallenge('invalid'), 'Bearer realm="cachet-admin", error="invalid_token"');
});
