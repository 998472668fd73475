import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeInvalidationKeys, isUnsafeMethod } from '../../../../src/cache/policy/invalidation.ts';

const KEY_OPTIONS = { sortQuery: false, ignoreParams: [] };

const cases: {
  name: string;
  scheme?: 'http' | 'https';
  method?: string;
  status?: number;
  host?: string;
  path?: string;
  headers?: Record<string, string>;
  expected: string[];
}[] = [
  { name: 'RFC 9111 §4.4: POST with 200 invalidates the target URI', expected: ['http://example.test/items?x=1'] },
  {
    name: 'RFC 9111 §4.4: PUT with 201 invalidates the target URI',
    method: 'PUT',
    status: 201,
    expected: ['http://example.test/items?x=1'],
  },
  {
    name: 'RFC 9111 §4.4: DELETE with 204 invalidates the target URI',
    method: 'DELETE',
    status: 204,
    expected: ['http://example.test/items?x=1'],
  },
  { name: 'RFC 9111 §4.4: a method of unknown safety is unsafe', method: 'M-SEARCH', expected: ['http://example.test/items?x=1'] },
  {
    name: 'RFC 9110 §9.1: method names are case-sensitive, so "post" is unknown and unsafe',
    method: 'post',
    expected: ['http://example.test/items?x=1'],
  },
  { name: 'RFC 9111 §4.4: a 3xx is a non-error response', status: 303, expected: ['http://example.test/items?x=1'] },
  { name: 'RFC 9111 §4.4: a 4xx does not invalidate', status: 404, expected: [] },
  { name: 'RFC 9111 §4.4: a 5xx does not invalidate', status: 500, expected: [] },
  { name: 'RFC 9111 §4.4: GET is safe', method: 'GET', expected: [] },
  { name: 'RFC 9111 §4.4: HEAD is safe', method: 'HEAD', expected: [] },
  { name: 'RFC 9111 §4.4: OPTIONS is safe', method: 'OPTIONS', expected: [] },
  { name: 'RFC 9111 §4.4: TRACE is safe', method: 'TRACE', expected: [] },
  {
    name: 'RFC 9111 §4.4: a relative Location on the same origin',
    headers: { location: '/items/42' },
    expected: ['http://example.test/items?x=1', 'http://example.test/items/42'],
  },
  {
    name: 'RFC 9111 §4.4: a dot-relative Location resolves against the target',
    path: '/a/b',
    headers: { location: 'c?d=1' },
    expected: ['http://example.test/a/b', 'http://example.test/a/c?d=1'],
  },
  {
    name: 'RFC 9111 §4.4: Content-Location on the same origin',
    headers: { 'content-location': '/items/42.json' },
    expected: ['http://example.test/items?x=1', 'http://example.test/items/42.json'],
  },
  {
    name: 'RFC 9111 §4.4: an absolute same-origin Location with the default port',
    headers: { location: 'HTTP://EXAMPLE.TEST:80/other' },
    expected: ['http://example.test/items?x=1', 'http://example.test/other'],
  },
  {
    name: 'RFC 9111 §4.4: a Location on another host is not invalidated',
    headers: { location: 'http://other.test/items/42' },
    expected: ['http://example.test/items?x=1'],
  },
  {
    name: 'RFC 9111 §4.4: an https Location on the target host names the path under the target origin (a TLS proxy in front)',
    headers: { location: 'https://example.test/items/42' },
    expected: ['http://example.test/items?x=1', 'http://example.test/items/42'],
  },
  {
    name: 'RFC 9111 §4.4: over TLS, keys are https, and an http Location on the host names the path there too',
    scheme: 'https',
    headers: { location: 'http://example.test/items/42', 'content-location': 'https://example.test:443/items/43' },
    expected: ['https://example.test/items?x=1', 'https://example.test/items/42', 'https://example.test/items/43'],
  },
  {
    name: 'RFC 9111 §4.4: a Location with a scheme other than http(s) is not invalidated',
    headers: { location: 'ftp://example.test/items/42' },
    expected: ['http://example.test/items?x=1'],
  },
  {
    name: 'RFC 9111 §4.4: a Location on another port is not invalidated',
    headers: { location: 'http://example.test:8080/items/42' },
    expected: ['http://example.test/items?x=1'],
  },
  {
    name: 'RFC 9111 §4.4: the target port counts for the origin',
    host: 'example.test:8080',
    headers: { location: '/items/42' },
    expected: ['http://example.test:8080/items?x=1', 'http://example.test:8080/items/42'],
  },
  {
    name: 'RFC 9111 §4.4: Location equal to the target is listed once',
    headers: { location: '/items?x=1', 'content-location': '/items?x=1' },
    expected: ['http://example.test/items?x=1'],
  },
  {
    name: 'RFC 9111 §4.4: an unparsable Location is ignored',
    headers: { location: 'http://[bad' },
    expected: ['http://example.test/items?x=1'],
  },
  {
    name: 'RFC 9111 §4.4: Location of an error response invalidates nothing',
    status: 400,
    headers: { location: '/items/42' },
    expected: [],
  },
];

for (const { name, scheme, method, status, host, path, headers, expected } of cases) {
  test(`computeInvalidationKeys: ${name}`, () => {
    const keys = computeInvalidationKeys({
      method: method ?? 'POST',
      status: status ?? 200,
      scheme: scheme ?? 'http',
      host: host ?? 'example.test',
      pathAndQuery: path ?? '/items?x=1',
      responseHeaders: headers ?? {},
      keyOptions: KEY_OPTIONS,
    });
    assert.deepEqual(keys, expected);
  });
}

test('computeInvalidationKeys: keys follow the cache key options (sorted query)', () => {
  const keys = computeInvalidationKeys({
    method: 'POST',
    status: 200,
    scheme: 'http',
    host: 'Example.test',
    pathAndQuery: '/p?b=1&a=2',
    responseHeaders: { location: '/q?d=1&c=2' },
    keyOptions: { sortQuery: true, ignoreParams: [] },
  });
  assert.deepEqual(keys, ['http://example.test/p?a=2&b=1', 'http://example.test/q?c=2&d=1']);
});

test('isUnsafeMethod: RFC 9110 §9.2.1: only GET, HEAD, OPTIONS and TRACE are safe', () => {
  assert.deepEqual(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'POST', 'PATCH', 'PURGE'].map(isUnsafeMethod), [
    false,
    false,
    false,
    false,
    true,
    true,
    true,
  ]);
});
