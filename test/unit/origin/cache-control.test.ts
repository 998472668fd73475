import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CacheControlOptions } from '../../../src/origin/index.ts';
import { cacheControl } from '../../../src/origin/index.ts';

const rows: Array<[string, CacheControlOptions, string]> = [
  [
    'RFC 9111 §5.2.2.9/§5.2.2.1 + RFC 5861 §3',
    { public: true, maxAge: 60, staleWhileRevalidate: 300 },
    'public, max-age=60, stale-while-revalidate=300',
  ],
  [
    'order is fixed whatever the key order',
    { staleWhileRevalidate: 300, maxAge: 60, public: true },
    'public, max-age=60, stale-while-revalidate=300',
  ],
  ['RFC 9111 §5.2.2.5 no-store', { noStore: true }, 'no-store'],
  ['RFC 9111 §5.2.2.7/§5.2.2.4', { private: true, noCache: true }, 'private, no-cache'],
  ['RFC 9111 §5.2.2.10 s-maxage with max-age', { maxAge: 0, sMaxAge: 3600 }, 'max-age=0, s-maxage=3600'],
  ['RFC 5861 §4 stale-if-error', { maxAge: 60, staleIfError: 86400 }, 'max-age=60, stale-if-error=86400'],
  [
    'RFC 9111 §5.2.2.2/§5.2.2.8',
    { maxAge: 10, mustRevalidate: true, proxyRevalidate: true },
    'must-revalidate, proxy-revalidate, max-age=10',
  ],
  [
    'RFC 8246 immutable, RFC 9111 §5.2.2.6 no-transform',
    { public: true, maxAge: 31536000, immutable: true, noTransform: true },
    'public, no-transform, max-age=31536000, immutable',
  ],
  ['false flags and undefined values are left out', { public: false, noCache: true, maxAge: undefined }, 'no-cache'],
  ['no-store with no-cache is allowed', { noStore: true, noCache: true, immutable: false }, 'no-store, no-cache'],
  ['RFC 9111 §1.2.2 delta-seconds capped at 2^31', { maxAge: 9_999_999_999 }, 'max-age=2147483648'],
];
for (const [name, options, expected] of rows) {
  test(`cacheControl: ${name} → ${expected}`, () => assert.equal(cacheControl(options), expected));
}

const refusals: Array<[string, unknown]> = [
  ['public with private', { public: true, private: true }],
  ['private with s-maxage', { private: true, sMaxAge: 60 }],
  ['no-store with max-age', { noStore: true, maxAge: 60 }],
  ['no-store with s-maxage', { noStore: true, sMaxAge: 60 }],
  ['no-store with stale-while-revalidate', { noStore: true, staleWhileRevalidate: 60 }],
  ['no-store with immutable', { noStore: true, immutable: true }],
  ['negative max-age', { maxAge: -1 }],
  ['fractional max-age', { maxAge: 1.5 }],
  ['NaN stale-if-error', { staleIfError: Number.NaN }],
  ['string max-age', { maxAge: '60' }],
  ['non-boolean flag', { public: 'yes' }],
  ['unknown option (typo)', { maxage: 60 }],
  ['empty options', {}],
  ['only false flags', { public: false }],
];
for (const [name, options] of refusals) {
  test(`cacheControl refuses ${name} with TypeError`, () => assert.throws(() => cacheControl(options as CacheControlOptions), TypeError));
}
