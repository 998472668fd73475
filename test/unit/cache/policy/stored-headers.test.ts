import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExcludedFromStorage, readConnectionOptions, selectStoredHeaders } from '../../../../src/cache/policy/stored-headers.ts';
import { parseResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';

const dropCases: { name: string; headers: Record<string, string>; cacheControl?: string; dropped: string[] }[] = [
  {
    name: 'RFC 9110 §7.6.1: hop-by-hop fields are not stored',
    headers: {
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'proxy-connection': 'x',
      te: 'trailers',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
    },
    dropped: ['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade'],
  },
  {
    name: 'RFC 9110 §7.6.1: fields named in Connection are not stored',
    headers: { connection: 'X-Hop, close', 'x-hop': '1' },
    dropped: ['connection', 'x-hop'],
  },
  { name: 'RFC 9111 §3.1: trailers are discarded, so Trailer is not stored', headers: { trailer: 'x-checksum' }, dropped: ['trailer'] },
  {
    name: 'RFC 9111 §3.1: proxy-specific fields are not stored',
    headers: { 'proxy-authenticate': 'Basic', 'proxy-authentication-info': 'x', 'proxy-authorization': 'Basic x' },
    dropped: ['proxy-authenticate', 'proxy-authentication-info', 'proxy-authorization'],
  },
  { name: 'RFC 9111 §4.2.3: Age is not stored as-is (the cache computes its own)', headers: { age: '30' }, dropped: ['age'] },
  {
    name: 'RFC 9111 §5.2.2.4: fields named by no-cache="..." are not stored',
    headers: { 'set-cookie': 'a=1', 'x-secret': 's' },
    cacheControl: 'no-cache="Set-Cookie, X-Secret", max-age=60',
    dropped: ['set-cookie', 'x-secret'],
  },
  {
    name: 'RFC 9111 §5.2.2.7: fields named by private="..." are not stored',
    headers: { 'x-user': 'bob' },
    cacheControl: 'private="x-user", max-age=60',
    dropped: ['x-user'],
  },
];

for (const { name, headers, cacheControl, dropped } of dropCases) {
  test(`selectStoredHeaders: ${name}`, () => {
    const kept = { 'content-type': 'text/plain', etag: '"v1"' };
    const stored = selectStoredHeaders({ ...headers, ...kept, 'cache-control': cacheControl }, parseResponseDirectives(cacheControl));
    for (const field of dropped) assert.equal(stored[field], undefined, field);
    assert.equal(stored['content-type'], 'text/plain');
    assert.equal(stored['etag'], '"v1"');
  });
}

test('selectStoredHeaders: RFC 9111 §3.1: every other field is stored, including unknown ones, Set-Cookie and WWW-Authenticate', () => {
  const headers = { 'x-unknown': 'u', 'set-cookie': ['a=1', 'b=2'], 'www-authenticate': 'Bearer', 'content-length': '5', vary: 'accept' };
  const stored = selectStoredHeaders(headers, parseResponseDirectives(undefined));
  assert.deepEqual(stored, headers);
});

test('selectStoredHeaders: returns a fresh object and fresh arrays; the input is untouched', () => {
  const cookies = ['a=1', 'b=2'];
  const headers = { 'set-cookie': cookies, age: '3', missing: undefined };
  const stored = selectStoredHeaders(headers, parseResponseDirectives(undefined));
  assert.notEqual(stored['set-cookie'], cookies);
  assert.deepEqual(stored, { 'set-cookie': ['a=1', 'b=2'] });
  assert.equal(headers.age, '3');
});

test('readConnectionOptions / isExcludedFromStorage: RFC 9110 §7.6.1: options are case-insensitive lists', () => {
  const options = readConnectionOptions(['Close, X-A', 'x-b']);
  assert.deepEqual(options, ['close', 'x-a', 'x-b']);
  assert.equal(isExcludedFromStorage('x-b', options), true);
  assert.equal(isExcludedFromStorage('x-c', options), false);
  assert.equal(isExcludedFromStorage('transfer-encoding', []), true);
});
