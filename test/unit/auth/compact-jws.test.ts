import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isJwtShaped, isWellFormedCompactJws } from '../../../src/auth/compact-jws.ts';

const header = Buffer.from('{"alg":"RS256"}').toString('base64url'); // 20 characters
const payload = Buffer.from('{"sub":"a"}').toString('base64url'); // 15 characters: one unused-bit pad
const signature = Buffer.from([0xfb, 0xff, 0xbf, 0x01]).toString('base64url'); // '-_-_AQ', 2 leftover characters

test('isJwtShaped: exactly three parts (RFC 7515 §7.1)', () => {
  const rows: Array<[string, boolean]> = [
    ['a.b.c', true],
    ['..', true],
    ['a.b', false],
    ['a.b.c.d', false],
    ['a.b.c.d.e', false],
    ['abc', false],
  ];
  for (const [token, expected] of rows) assert.equal(isJwtShaped(token), expected, token);
});

test('isWellFormedCompactJws: each part is unpadded base64url (RFC 7515 §2), canonical (RFC 4648 §3.5)', () => {
  const rows: Array<[string, string, boolean]> = [
    ['a well-formed token', `${header}.${payload}.${signature}`, true],
    ['an empty signature (unsecured form; its alg is screened later)', `${header}.${payload}.`, true],
    ['§2.1 b64token "+" in the header (base64, not base64url)', `${header.slice(0, -1)}+.${payload}.${signature}`, false],
    ['§2.1 b64token "/" in the payload', `${header}.${payload.slice(0, -1)}/.${signature}`, false],
    ['§2.1 b64token "~" in the signature', `${header}.${payload}.${signature}~`, false],
    ['§2.1 b64token padding "=" after the signature', `${header}.${payload}.${signature}==`, false],
    ['padding "=" after the header', `${header}=.${payload}.${signature}`, false],
    ['a character outside every alphabet', `${header}.${payload}.${signature.slice(0, -1)}!`, false],
    ['a length no encoder produces (4n + 1)', `${header}.${payload}.${signature.slice(0, 4)}A`, false],
    [
      'a non-canonical last character (unused bits set)',
      `${header}.${payload.slice(0, -1)}${String.fromCharCode(payload.charCodeAt(payload.length - 1) + 1)}.${signature}`,
      false,
    ],
    ['an empty header', `.${payload}.${signature}`, false],
    ['an empty payload', `${header}..${signature}`, false],
    ['two parts', `${header}.${payload}`, false],
    ['four parts', `${header}.${payload}.${signature}.${signature}`, false],
    ['nothing', '', false],
  ];
  for (const [name, token, expected] of rows) assert.equal(isWellFormedCompactJws(token), expected, name);
});
