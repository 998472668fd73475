import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripHopByHop } from '../../../src/forward/hop-by-hop.ts';

type Headers = Record<string, string | string[] | undefined>;

const cases: readonly (readonly [name: string, input: Headers, expected: Headers])[] = [
  ['RFC 9110 §7.6.1 connection removed', { connection: 'close', accept: '*/*' }, { accept: '*/*' }],
  [
    'RFC 9110 §7.6.1 keep-alive and proxy-connection removed',
    { 'keep-alive': 'timeout=5', 'proxy-connection': 'keep-alive', a: '1' },
    { a: '1' },
  ],
  [
    'RFC 9110 §7.6.1 te, transfer-encoding, upgrade removed',
    { te: 'trailers', 'transfer-encoding': 'chunked', upgrade: 'websocket', a: '1' },
    { a: '1' },
  ],
  ['RFC 9110 §6.6.2 trailer removed (trailers are not forwarded)', { trailer: 'x-checksum', a: '1' }, { a: '1' }],
  [
    'RFC 9110 §11.7.1-2 proxy-authenticate / proxy-authorization removed',
    { 'proxy-authorization': 'Basic eA==', 'proxy-authenticate': 'Basic', a: '1' },
    { a: '1' },
  ],
  ['RFC 9110 §7.6.1 fields named in Connection removed', { connection: 'x-secret, close', 'x-secret': 's', a: '1' }, { a: '1' }],
  [
    'RFC 9110 §7.6.1 Connection options are case-insensitive with OWS',
    { connection: ' X-One ,x-TWO,,', 'x-one': '1', 'x-two': '2', a: '1' },
    { a: '1' },
  ],
  [
    'RFC 9110 §7.6.1 Connection on several lines',
    { connection: ['x-one', 'x-two, close'], 'x-one': '1', 'x-two': '2', a: '1' },
    { a: '1' },
  ],
  ['RFC 9110 §7.6.1 nominated but absent field is fine', { connection: 'x-missing', a: '1' }, { a: '1' }],
  ['RFC 9113 §8.3 HTTP/2 pseudo-fields removed', { ':method': 'GET', ':path': '/', ':authority': 'a', a: '1' }, { a: '1' }],
  [
    'end-to-end fields and arrays kept',
    { 'set-cookie': ['a=1', 'b=2'], 'cache-control': 'no-cache' },
    { 'set-cookie': ['a=1', 'b=2'], 'cache-control': 'no-cache' },
  ],
  ['undefined values dropped', { a: undefined, b: '2' }, { b: '2' }],
];

for (const [name, input, expected] of cases) {
  test(`stripHopByHop: ${name}`, () => {
    const before = structuredClone(input);
    const out = stripHopByHop(input);
    assert.deepEqual({ ...out }, expected);
    assert.notEqual(out, input);
    assert.deepEqual(input, before, 'input not modified');
  });
}

test('stripHopByHop: a __proto__ field cannot replace the copy prototype', () => {
  const input: Headers = JSON.parse('{"__proto__": ["x"], "a": "1"}');
  const out = stripHopByHop(input);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['a']);
});
