import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractBearerToken, hasQueryAccessToken, removeQueryAccessToken, type TokenSourceInput } from '../../../src/auth/token-source.ts';

test('extractBearerToken reads only RFC 6750 §2.1 Authorization, or the route cookie', async (t) => {
  const rows: Array<{ name: string; input: Partial<TokenSourceInput>; cookie?: string; expected: string }> = [
    { name: '§2.1 Bearer token', input: { authorization: ['Bearer abc.def-_~+/=='] }, expected: 'token:abc.def-_~+/==' },
    { name: 'RFC 9110 §11.1 scheme is case-insensitive', input: { authorization: ['BEARER abc'] }, expected: 'token:abc' },
    { name: 'RFC 9110 §11.4 1*SP after the scheme', input: { authorization: ['Bearer   abc'] }, expected: 'token:abc' },
    { name: 'no Authorization: absent', input: {}, expected: 'absent' },
    { name: '§3.1 unsupported scheme is like no credentials', input: { authorization: ['Basic YTpi'] }, expected: 'absent' },
    {
      name: '§3.1 several Authorization fields: invalid_request',
      input: { authorization: ['Bearer a', 'Bearer a'] },
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    { name: '§2.1 two values: invalid_request', input: { authorization: ['Bearer a b'] }, expected: 'CACHET_ERR_AUTH_INVALID_REQUEST' },
    {
      name: '§2.1 a tab between values: invalid_request',
      input: { authorization: ['Bearer a\tb'] },
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    {
      name: '§2.1 comma list: invalid_request',
      input: { authorization: ['Bearer a, Bearer b'] },
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    {
      name: '§3.1 "=" inside the token: a malformed token',
      input: { authorization: ['Bearer a=b'] },
      expected: 'CACHET_ERR_AUTH_INVALID_TOKEN',
    },
    {
      name: '§3.1 a character outside b64token: a malformed token',
      input: { authorization: ['Bearer a!b'] },
      expected: 'CACHET_ERR_AUTH_INVALID_TOKEN',
    },
    {
      name: '§3.1 a comma in the token: a malformed token',
      input: { authorization: ['Bearer a,'] },
      expected: 'CACHET_ERR_AUTH_INVALID_TOKEN',
    },
    { name: '§3.1 Bearer with no token: no credentials', input: { authorization: ['Bearer'] }, expected: 'absent' },
    { name: '§3.1 Bearer and a space: no credentials', input: { authorization: ['Bearer '] }, expected: 'absent' },
    { name: '§3.1 Bearer with only spaces: no credentials', input: { authorization: ['Bearer   '] }, expected: 'absent' },
    { name: '§3.1 empty Authorization: no credentials', input: { authorization: [''] }, expected: 'absent' },
    {
      name: 'RFC 9110 §11.1 a scheme that is not a token: invalid_request',
      input: { authorization: ['Bearer\tabc'] },
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    {
      name: 'token over maxTokenBytes, refused before parsing',
      input: { authorization: [`Bearer ${'a'.repeat(65)}`] },
      expected: 'CACHET_ERR_AUTH_TOO_LARGE',
    },
    { name: 'token at maxTokenBytes passes', input: { authorization: [`Bearer ${'a'.repeat(64)}`] }, expected: `token:${'a'.repeat(64)}` },
    { name: '§2.3 access_token in the query is not read: no credentials', input: { url: '/x?access_token=abc' }, expected: 'absent' },
    { name: '§2.3 percent-encoded name is not read either', input: { url: '/x?a=1&ACCESS%5Ftoken=abc' }, expected: 'absent' },
    {
      name: '§3.1 a token in the query and in Authorization: invalid_request',
      input: { url: '/x?access_token=', authorization: ['Bearer a'] },
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    {
      name: '§3.1 a token in the query and a malformed one in Authorization: invalid_request',
      input: { url: '/x?access_token=a', authorization: ['Bearer a!'] },
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    {
      name: '§3.1 a token in the query and in the token cookie: invalid_request',
      input: { url: '/x?access_token=a', cookie: ['at=tok'] },
      cookie: 'at',
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    {
      name: '§2.3 query token beside a field without a token: no credentials',
      input: { url: '/x?access_token=a', authorization: ['Bearer'] },
      expected: 'absent',
    },
    { name: 'cookie read when the route names it', input: { cookie: ['a=1; at=tok'] }, cookie: 'at', expected: 'token:tok' },
    { name: 'RFC 6265 §4.1.1 quoted cookie value', input: { cookie: ['at="tok"'] }, cookie: 'at', expected: 'token:tok' },
    { name: 'cookie ignored when the route does not name it', input: { cookie: ['at=tok'] }, expected: 'absent' },
    { name: 'cookie name must match exactly', input: { cookie: ['xat=tok; at_=x'] }, cookie: 'at', expected: 'absent' },
    {
      name: 'Authorization wins over the cookie',
      input: { authorization: ['Bearer hdr'], cookie: ['at=tok'] },
      cookie: 'at',
      expected: 'token:hdr',
    },
    {
      name: 'two token cookies: invalid_request',
      input: { cookie: ['at=a', 'at=b'] },
      cookie: 'at',
      expected: 'CACHET_ERR_AUTH_INVALID_REQUEST',
    },
    {
      name: '§3.1 cookie token with forbidden characters: a malformed token',
      input: { cookie: ['at=a%20b'] },
      cookie: 'at',
      expected: 'CACHET_ERR_AUTH_INVALID_TOKEN',
    },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      const input: TokenSourceInput = { authorization: undefined, cookie: undefined, url: '/x', ...row.input };
      const result = extractBearerToken(input, row.cookie, 64);
      const summary = 'ok' in result ? result.code : result.kind === 'token' ? `token:${result.token}` : 'absent';
      assert.equal(summary, row.expected);
    });
  }
});

test('hasQueryAccessToken finds the parameter by name only (RFC 6750 §2.3)', () => {
  const rows: Array<[string, boolean]> = [
    ['/x', false],
    ['/x?', false],
    ['/x?access_token', true],
    ['/x?a=access_token', false],
    ['/x?my_access_token=1', false],
    ['/x?access_token=1', true],
    ['/x?b=2&Access_Token=1', true],
    ['/x?access%5ftoken=1', true],
    ['/x?%E0=1', false],
  ];
  for (const [url, expected] of rows) assert.equal(hasQueryAccessToken(url), expected, url);
});

test('removeQueryAccessToken drops every access_token parameter and keeps the rest as sent (RFC 6750 §2.3, §5.3)', () => {
  const rows: Array<[string, string]> = [
    ['', ''],
    ['?a=1', '?a=1'],
    ['?access_token=abc', ''],
    ['?a=1&access_token=abc&b=%20', '?a=1&b=%20'],
    ['?ACCESS%5Ftoken=1&Access_Token&x', '?x'],
    ['?my_access_token=1&a=access_token', '?my_access_token=1&a=access_token'],
  ];
  for (const [query, expected] of rows) assert.equal(removeQueryAccessToken(query), expected, query);
});
