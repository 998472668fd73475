import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHitStatus, formatCacheStatus } from '../../../../src/cache/policy/cache-status.ts';
import type { CacheStatusInfo } from '../../../../src/cache/policy/cache-status.ts';

const cases: { name: string; cacheName?: string; info: CacheStatusInfo; expected: string }[] = [
  { name: 'RFC 9211 §2.1, §2.4: a hit with its remaining freshness', info: { hit: true, ttlSec: 42 }, expected: 'cachet; hit; ttl=42' },
  {
    name: 'RFC 9211 §2.2, §2.3, §2.5: a miss that was stored',
    info: { hit: false, fwd: 'uri-miss', fwdStatus: 200, stored: true },
    expected: 'cachet; fwd=uri-miss; fwd-status=200; stored',
  },
  {
    name: 'RFC 9211 §2.2: a revalidated stale response, parameters in a fixed order',
    info: { stored: true, ttlSec: 59, fwdStatus: 304, fwd: 'stale', hit: false },
    expected: 'cachet; fwd=stale; fwd-status=304; ttl=59; stored',
  },
  {
    name: 'RFC 9211 §2.8: a bypass with a token detail',
    info: { hit: false, fwd: 'bypass', detail: 'no-store' },
    expected: 'cachet; fwd=bypass; detail=no-store',
  },
  { name: 'RFC 9211 §2.6: a collapsed miss', info: { hit: false, fwd: 'miss', collapsed: true }, expected: 'cachet; fwd=miss; collapsed' },
  { name: 'RFC 9211 §2.4: a fractional ttl is rounded down', info: { hit: true, ttlSec: 41.9 }, expected: 'cachet; hit; ttl=41' },
  {
    name: 'RFC 9211 §2.4: a stale response has a negative ttl',
    info: { hit: true, ttlSec: -0.5, detail: 'max-stale' },
    expected: 'cachet; hit; ttl=-1; detail=max-stale',
  },
  { name: 'RFC 9211 §2.4: zero is written as 0, not -0', info: { hit: true, ttlSec: -0 }, expected: 'cachet; hit; ttl=0' },
  {
    name: 'RFC 9651 §3.3.1: a ttl past the sf-integer range is clamped',
    info: { hit: true, ttlSec: 1e20 },
    expected: 'cachet; hit; ttl=999999999999999',
  },
  {
    name: 'RFC 9211 §2: false booleans are left out',
    info: { hit: false, fwd: 'miss', stored: false, collapsed: false },
    expected: 'cachet; fwd=miss',
  },
  {
    name: 'RFC 9211 §2.8: a detail that is not a token becomes an sf-string with escapes',
    info: { hit: false, fwd: 'bypass', detail: 'too "large" \\ x' },
    expected: 'cachet; fwd=bypass; detail="too \\"large\\" \\\\ x"',
  },
  {
    name: 'RFC 9651 §3.3.4: a token may hold ":" and "/"',
    info: { hit: false, fwd: 'miss', detail: 'origin/timeout:5s' },
    expected: 'cachet; fwd=miss; detail=origin/timeout:5s',
  },
  {
    name: 'RFC 9651 §3.3.4: a token cannot start with a digit',
    info: { hit: false, fwd: 'miss', detail: '5xx' },
    expected: 'cachet; fwd=miss; detail="5xx"',
  },
  {
    name: 'RFC 9651 §3.3.3: non-ASCII in a detail is replaced',
    info: { hit: false, fwd: 'miss', detail: 'caf\u00e9' },
    expected: 'cachet; fwd=miss; detail="caf?"',
  },
  {
    name: 'RFC 9211 §2: a cache name that is not a token is an sf-string',
    cacheName: 'edge cache',
    info: { hit: true },
    expected: '"edge cache"; hit',
  },
];

for (const { name, cacheName, info, expected } of cases) {
  test(`formatCacheStatus: ${name}`, () => {
    assert.equal(formatCacheStatus(cacheName ?? 'cachet', info), expected);
  });
}

test('createHitStatus: the ttl rounded down, for each ttl in turn, under the cache name', () => {
  const hitStatus = createHitStatus('edge-1');
  assert.equal(hitStatus(3599.9), 'edge-1; hit; ttl=3599');
  assert.equal(hitStatus(3599.1), 'edge-1; hit; ttl=3599');
  assert.equal(hitStatus(12), 'edge-1; hit; ttl=12');
  assert.equal(hitStatus(3599.5), 'edge-1; hit; ttl=3599');
  assert.equal(hitStatus(0.5), 'edge-1; hit; ttl=0');
  assert.equal(createHitStatus('other')(0.5), 'other; hit; ttl=0', 'each cache keeps its own');
});
