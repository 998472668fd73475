import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClientHeaders, createClientHeaderOptions } from '../../../src/forward/response-headers.ts';

const upstream = {
  'content-type': 'text/plain',
  'surrogate-control': 'max-age=60',
  'surrogate-key': 'a b',
  'cache-tag': 'a,b',
  connection: 'close',
  via: '1.1 origin',
};

test('buildClientHeaders: W3C Edge Architecture 1.0: Surrogate-Control obeyed by the cache is kept from clients, as are tags', () => {
  const headers = buildClientHeaders(upstream, createClientHeaderOptions('cachet', false, true));
  assert.deepEqual(headers, { 'content-type': 'text/plain', via: '1.1 origin, 1.1 cachet' });
});

test('buildClientHeaders: Surrogate-Control not obeyed (switch off or cache off) passes through; forwarded tags too', () => {
  const headers = buildClientHeaders(upstream, createClientHeaderOptions('cachet', true, false));
  assert.equal(headers['surrogate-control'], 'max-age=60');
  assert.equal(headers['surrogate-key'], 'a b');
  assert.equal(headers['cache-tag'], 'a,b');
  assert.equal(headers['connection'], undefined, 'hop-by-hop fields go either way (RFC 9110 §7.6.1)');
});

test('createClientHeaderOptions: the hidden fields, built once and frozen', () => {
  const options = createClientHeaderOptions('cachet', false, true);
  assert.deepEqual([...options.hiddenFields].sort(), ['cache-tag', 'surrogate-control', 'surrogate-key']);
  assert.ok(Object.isFrozen(options));
});
