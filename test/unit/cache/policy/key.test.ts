import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCacheKey, pathOfKey } from '../../../../src/cache/policy/key.ts';

const PLAIN = { sortQuery: false, ignoreParams: [] };

const keyCases: {
  name: string;
  scheme: string;
  host: string;
  path: string;
  options?: { sortQuery: boolean; ignoreParams: readonly string[] };
  expected: string;
}[] = [
  {
    name: 'RFC 9111 §2: scheme, host and target',
    scheme: 'http',
    host: 'example.com',
    path: '/a/b?c=1',
    expected: 'http://example.com/a/b?c=1',
  },
  { name: 'RFC 9110 §4.2.3: host is case-insensitive', scheme: 'http', host: 'Example.COM', path: '/', expected: 'http://example.com/' },
  {
    name: 'RFC 9110 §4.2.3: scheme is case-insensitive',
    scheme: 'HTTPS',
    host: 'example.com',
    path: '/',
    expected: 'https://example.com/',
  },
  {
    name: 'RFC 9110 §4.2.3: the default http port is dropped',
    scheme: 'http',
    host: 'example.com:80',
    path: '/',
    expected: 'http://example.com/',
  },
  {
    name: 'RFC 9110 §4.2.3: the default https port is dropped',
    scheme: 'https',
    host: 'example.com:443',
    path: '/',
    expected: 'https://example.com/',
  },
  {
    name: 'RFC 9110 §4.2.3: port 443 is not default for http',
    scheme: 'http',
    host: 'example.com:443',
    path: '/',
    expected: 'http://example.com:443/',
  },
  {
    name: 'RFC 9110 §4.2.3: a non-default port is kept',
    scheme: 'http',
    host: 'example.com:8080',
    path: '/',
    expected: 'http://example.com:8080/',
  },
  { name: 'RFC 9110 §4.2.3: an empty port is dropped', scheme: 'http', host: 'example.com:', path: '/', expected: 'http://example.com/' },
  { name: 'RFC 9110 §4.2.3: IPv6 literal with the default port', scheme: 'http', host: '[::1]:80', path: '/', expected: 'http://[::1]/' },
  {
    name: 'RFC 9110 §4.2.3: IPv6 literal without a port keeps its colons',
    scheme: 'http',
    host: '[::1]',
    path: '/',
    expected: 'http://[::1]/',
  },
  { name: 'RFC 9110 §4.2.3: an empty path is "/"', scheme: 'http', host: 'example.com', path: '', expected: 'http://example.com/' },
  {
    name: 'RFC 9110 §4.2.3: a query without a path gets "/"',
    scheme: 'http',
    host: 'example.com',
    path: '?a=1',
    expected: 'http://example.com/?a=1',
  },
  {
    name: 'RFC 9111 §2: without options the query is kept as sent',
    scheme: 'http',
    host: 'example.com',
    path: '/?b=1&a=2&&',
    expected: 'http://example.com/?b=1&a=2&&',
  },
  {
    name: 'RFC 9111 §2: the path is kept as sent (case, encoding)',
    scheme: 'http',
    host: 'example.com',
    path: '/A%2fb',
    expected: 'http://example.com/A%2fb',
  },
  {
    name: 'sortQuery: parameters ordered by name, stable for repeated names',
    scheme: 'http',
    host: 'example.com',
    path: '/p?b=1&a=2&c=0&a=1',
    options: { sortQuery: true, ignoreParams: [] },
    expected: 'http://example.com/p?a=2&a=1&b=1&c=0',
  },
  {
    name: 'ignoreParams: named parameters are dropped',
    scheme: 'http',
    host: 'example.com',
    path: '/p?utm_source=x&b=1&utm_medium=y',
    options: { sortQuery: false, ignoreParams: ['utm_source', 'utm_medium'] },
    expected: 'http://example.com/p?b=1',
  },
  {
    name: 'ignoreParams: a percent-encoded name is matched decoded',
    scheme: 'http',
    host: 'example.com',
    path: '/p?utm%5Fsource=x&b=1',
    options: { sortQuery: false, ignoreParams: ['utm_source'] },
    expected: 'http://example.com/p?b=1',
  },
  {
    name: 'ignoreParams: dropping every parameter drops the "?"',
    scheme: 'http',
    host: 'example.com',
    path: '/p?utm_source=x',
    options: { sortQuery: true, ignoreParams: ['utm_source'] },
    expected: 'http://example.com/p',
  },
  {
    name: 'ignoreParams: a parameter without a value is matched by name',
    scheme: 'http',
    host: 'example.com',
    path: '/p?a&debug',
    options: { sortQuery: false, ignoreParams: ['debug'] },
    expected: 'http://example.com/p?a',
  },
];

for (const { name, scheme, host, path, options, expected } of keyCases) {
  test(`buildCacheKey: ${name}`, () => {
    assert.equal(buildCacheKey(scheme, host, path, options ?? PLAIN), expected);
  });
}

test('buildCacheKey: sortQuery makes differently ordered queries share a key', () => {
  const options = { sortQuery: true, ignoreParams: [] };
  assert.equal(buildCacheKey('http', 'h', '/p?b=1&a=2', options), buildCacheKey('http', 'h', '/p?a=2&b=1', options));
});

const pathCases: { key: string; expected: string }[] = [
  { key: 'http://example.com/a/b?c=1', expected: '/a/b?c=1' },
  { key: 'https://[::1]:8443/', expected: '/' },
  { key: 'http://example.com', expected: '/' },
  { key: 'http://example.com/?q=http://x/y', expected: '/?q=http://x/y' },
];

for (const { key, expected } of pathCases) {
  test(`pathOfKey: ${key} → ${expected}`, () => {
    assert.equal(pathOfKey(key), expected);
  });
}

test('buildCacheKey: alternating hosts and schemes each keep their own authority (the last one is remembered)', () => {
  const requests: [string, string, string][] = [
    ['http', 'Example.com:80', 'http://example.com/a'],
    ['http', 'other.example:8080', 'http://other.example:8080/a'],
    ['https', 'other.example:8080', 'https://other.example:8080/a'],
    ['https', 'Example.com:443', 'https://example.com/a'],
    ['http', 'Example.com:443', 'http://example.com:443/a'],
    ['http', 'Example.com:80', 'http://example.com/a'],
  ];
  for (const [scheme, host, expected] of [...requests, ...requests.reverse()])
    assert.equal(buildCacheKey(scheme, host, '/a', PLAIN), expected, `${scheme} ${host}`);
});

test('buildCacheKey: a repeated request gets the same key; a change of path, host or key options a new one', () => {
  const ignoring = { sortQuery: false, ignoreParams: ['utm_source'] };
  const first = buildCacheKey('http', 'example.com', '/a?utm_source=x', PLAIN);
  assert.equal(buildCacheKey('http', 'example.com', '/a?utm_source=x', PLAIN), first);
  assert.equal(buildCacheKey('http', 'example.com', '/a?utm_source=x', ignoring), 'http://example.com/a', 'options are part of the memo');
  assert.equal(buildCacheKey('http', 'example.com', '/a?utm_source=x', PLAIN), 'http://example.com/a?utm_source=x');
  assert.equal(buildCacheKey('http', 'example.com', '/b?utm_source=x', PLAIN), 'http://example.com/b?utm_source=x');
  assert.equal(buildCacheKey('http', 'other.example', '/b?utm_source=x', PLAIN), 'http://other.example/b?utm_source=x');
  assert.equal(buildCacheKey('http', 'example.com', '/b?utm_source=x', PLAIN), 'http://example.com/b?utm_source=x');
});
