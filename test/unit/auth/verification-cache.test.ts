import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIdentity } from '../../../src/auth/identity.ts';
import { createVerificationCache, hashToken } from '../../../src/auth/verification-cache.ts';

test('verification cache keeps an entry until min(token exp, now + maxTtlSec)', () => {
  const cache = createVerificationCache({ maxEntries: 10, maxTtlSec: 60 });
  const longLived = createIdentity({ sub: 'a', exp: 10_000 }, 'p');
  const shortLived = createIdentity({ sub: 'b', exp: 1_030 }, 'p');
  cache.set('long', longLived, 1_000_000);
  cache.set('short', shortLived, 1_000_000);
  assert.equal(cache.get('long', 1_059_999), longLived);
  assert.equal(cache.get('long', 1_060_000), undefined, 'maxTtlSec bounds it');
  assert.equal(cache.get('short', 1_029_999), shortLived);
  assert.equal(cache.get('short', 1_030_000), undefined, 'never past the token exp');
});

test('verification cache is bounded (LRU) and can be disabled', () => {
  const cache = createVerificationCache({ maxEntries: 2, maxTtlSec: 60 });
  const identity = createIdentity({ exp: 10_000 }, 'p');
  cache.set('a', identity, 0);
  cache.set('b', identity, 0);
  cache.get('a', 0);
  cache.set('c', identity, 0);
  assert.deepEqual(
    ['a', 'b', 'c'].map((key) => cache.get(key, 0) !== undefined),
    [true, false, true],
  );
  const disabled = createVerificationCache({ maxEntries: 10, maxTtlSec: 0 });
  disabled.set('a', identity, 0);
  assert.equal(disabled.get('a', 0), undefined);
});

test('hashToken is SHA-256, so the cache never holds the token itself', () => {
  assert.equal(hashToken('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});
