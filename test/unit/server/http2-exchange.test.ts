import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutConnectionFields } from '../../../src/server/http2-exchange.ts';

test('HTTP/2 responses leave out connection-specific fields (RFC 9113 §8.2.2), keeping the object when there are none', () => {
  const clean = { 'content-type': 'text/plain', 'x-request-id': 'r1' };
  assert.equal(withoutConnectionFields(clean), clean);
  const flat = ['content-type', 'text/plain'];
  assert.equal(withoutConnectionFields(flat), flat);
  assert.deepEqual(withoutConnectionFields({ connection: 'close', 'Keep-Alive': 'timeout=5', 'x-a': '1' }), { 'x-a': '1' });
  assert.deepEqual(withoutConnectionFields(['connection', 'close', 'x-a', '1', 'transfer-encoding', 'chunked', 'upgrade', 'h2c']), [
    'x-a',
    '1',
  ]);
});
