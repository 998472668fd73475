import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRequestFraming } from '../../../src/edge/framing.ts';

const h2 = (...fields: string[]): string[] => [':method', 'GET', ':path', '/', ':scheme', 'https', ...fields];

test('HTTP/2: Host may be absent; when sent beside :authority it must name the same authority (RFC 9113 §8.3.1)', () => {
  assert.deepEqual(checkRequestFraming('2.0', h2(':authority', 'api.test')), { ok: true });
  assert.deepEqual(checkRequestFraming('2.0', h2(':authority', 'api.test', 'host', 'API.test')), { ok: true });
  assert.deepEqual(checkRequestFraming('2.0', h2(':authority', 'api.test', 'host', 'evil.test')), {
    ok: false,
    reason: 'Host differs from :authority',
  });
  assert.deepEqual(checkRequestFraming('2.0', h2(':authority', 'api.test', 'transfer-encoding', 'chunked')), {
    ok: false,
    reason: 'Transfer-Encoding on HTTP/2.0',
  });
});
