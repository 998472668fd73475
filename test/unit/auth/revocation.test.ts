import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRevocationList } from '../../../src/auth/revocation.ts';
import type { Identity } from '../../../src/auth/types.ts';

function createTestIdentity(overrides: Partial<Identity> = {}): Identity {
  return { subject: 'alice', scopes: [], claims: {}, provider: 'p', tokenId: 'jti-1', issuedAtSec: 1000, expiresAtSec: 5000, ...overrides };
}

test('revocation by jti lasts until its exp, then the entry prunes itself', () => {
  const list = createRevocationList();
  list.add({ jti: 'jti-1', exp: 2000 }, 1000);
  assert.equal(list.isRevoked(createTestIdentity(), 1500), true);
  assert.equal(list.isRevoked(createTestIdentity({ tokenId: 'jti-2' }), 1500), false);
  assert.equal(list.isRevoked(createTestIdentity(), 2000), false, 'at exp the token itself is expired');
  assert.deepEqual(list.list(2000), []);
});

test('revocation by subject: iat < before is revoked, iat ≥ before passes, no iat is revoked', () => {
  const list = createRevocationList({ maxTokenLifetimeSec: 3600 });
  list.add({ sub: 'alice', before: 1500 }, 1000);
  const rows: Array<[string, Partial<Identity>, boolean]> = [
    ['issued before', { issuedAtSec: 1499 }, true],
    ['issued at before', { issuedAtSec: 1500 }, false],
    ['issued after', { issuedAtSec: 1600 }, false],
    ['no iat: age unknown, treated as revoked', { issuedAtSec: undefined }, true],
    ['another subject', { subject: 'bob', issuedAtSec: 1 }, false],
    ['no subject', { subject: undefined, issuedAtSec: 1 }, false],
  ];
  for (const [name, overrides, expected] of rows) {
    assert.equal(list.isRevoked(createTestIdentity({ tokenId: undefined, ...overrides }), 1600), expected, name);
  }
  assert.deepEqual(list.list(1600), [{ sub: 'alice', before: 1500 }]);
  // before + maxTokenLifetimeSec: every token issued before `before` has expired by then.
  assert.equal(list.isRevoked(createTestIdentity({ issuedAtSec: 1000 }), 1500 + 3599), true);
  assert.equal(list.isRevoked(createTestIdentity({ issuedAtSec: 1000 }), 1500 + 3600), false);
  assert.deepEqual(list.list(1500 + 3600), []);
});

test('revocation by subject with an explicit exp prunes at that exp', () => {
  const list = createRevocationList();
  list.add({ sub: 'alice', before: 1500, exp: 1800 }, 1000);
  assert.deepEqual(list.list(1000), [{ sub: 'alice', before: 1500, exp: 1800 }]);
  assert.equal(list.isRevoked(createTestIdentity({ tokenId: undefined }), 1799), true);
  assert.equal(list.isRevoked(createTestIdentity({ tokenId: undefined }), 1800), false);
});

test('entries already expired are not added; a later entry never weakens an earlier one', () => {
  const list = createRevocationList({ maxTokenLifetimeSec: 100 });
  list.add({ jti: 'old', exp: 900 }, 1000);
  list.add({ sub: 'old', before: 800 }, 1000);
  assert.deepEqual(list.list(1000), []);
  list.add({ jti: 'j', exp: 3000 }, 1000);
  list.add({ jti: 'j', exp: 2000 }, 1000);
  list.add({ sub: 's', before: 1500 }, 1000);
  list.add({ sub: 's', before: 1200 }, 1000);
  assert.deepEqual(list.list(1000), [
    { jti: 'j', exp: 3000 },
    { sub: 's', before: 1500 },
  ]);
});

test('remove undoes one entry and answers whether it existed', () => {
  const list = createRevocationList();
  list.add({ jti: 'j', exp: 3000 }, 1000);
  list.add({ sub: 's', before: 1500 }, 1000);
  assert.equal(list.remove({ jti: 'j' }), true);
  assert.equal(list.remove({ jti: 'j' }), false);
  assert.equal(list.remove({ sub: 's' }), true);
  assert.equal(list.isRevoked(createTestIdentity({ tokenId: 'j', subject: 's', issuedAtSec: 1 }), 1100), false);
});

test('adding prunes expired entries, so the list cannot grow without bound', () => {
  const list = createRevocationList();
  for (let index = 0; index < 100; index++) list.add({ jti: `j${index}`, exp: 1000 + index }, 900);
  list.add({ jti: 'fresh', exp: 5000 }, 2000);
  assert.deepEqual(list.list(2000), [{ jti: 'fresh', exp: 5000 }]);
});
