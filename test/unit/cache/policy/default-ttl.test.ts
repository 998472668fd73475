import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectDefaultTtl } from '../../../../src/cache/policy/default-ttl.ts';
import { computeFreshnessLifetime } from '../../../../src/cache/policy/freshness.ts';
import { parseResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import { buildEntryMeta } from '../../../../src/cache/policy/entry-meta.ts';
import { addKeyHeaders } from '../../../../src/cache/policy/key.ts';
import { buildConfig } from '../../../../src/config/build.ts';
import { T0, httpDate } from './fixtures.ts';

const OPTIONS = { heuristicFraction: 0.1, heuristicMaxSec: 86_400 };
const CONFIG = buildConfig({ upstreams: {}, routes: [] }).cache;

interface SelectCase {
  readonly name: string;
  readonly cacheControl?: string;
  readonly credentialed?: boolean;
  readonly headers?: Record<string, string>;
  readonly expected: number | undefined;
}

const selectCases: SelectCase[] = [
  { name: 'a response that says nothing gets the default', expected: 60 },
  { name: 'RFC 9111 §5.2.2.7: never for private', cacheControl: 'private', expected: undefined },
  {
    name: 'RFC 9111 §5.2.2.5: never for no-store, even with must-understand',
    cacheControl: 'no-store, must-understand',
    expected: undefined,
  },
  { name: 'RFC 9111 §3.5: never for an answer to credentials', credentialed: true, expected: undefined },
  { name: 'RFC 9111 §3.5: public lets an answer to credentials have it', credentialed: true, cacheControl: 'public', expected: 60 },
  { name: 'never for a response that sets a cookie', headers: { 'set-cookie': 'session=1' }, expected: undefined },
  { name: 'no-cache keeps it (every use is revalidated anyway)', cacheControl: 'no-cache', expected: 60 },
];

for (const c of selectCases) {
  test(`selectDefaultTtl: ${c.name}`, () => {
    const headers = { ...c.headers, ...(c.cacheControl === undefined ? {} : { 'cache-control': c.cacheControl }) };
    assert.equal(selectDefaultTtl(60, c.credentialed ?? false, parseResponseDirectives(headers['cache-control']), headers), c.expected);
  });
}

test('selectDefaultTtl: a route without a default answers undefined', () => {
  assert.equal(selectDefaultTtl(undefined, false, parseResponseDirectives(undefined), {}), undefined);
});

interface LifetimeCase {
  readonly name: string;
  readonly status?: number;
  readonly headers: Record<string, string>;
  readonly lifetimeSec: number;
  readonly heuristic: boolean;
}

const lifetimeCases: LifetimeCase[] = [
  { name: 'RFC 9111 §4.2.2: without explicit freshness the default is the lifetime', headers: {}, lifetimeSec: 60, heuristic: true },
  {
    name: 'RFC 9111 §4.2.2: the default stands in for the Last-Modified heuristic',
    headers: { date: httpDate(0), 'last-modified': httpDate(-10 * 86_400) },
    lifetimeSec: 60,
    heuristic: true,
  },
  { name: 'RFC 9111 §4.2.1: max-age wins', headers: { 'cache-control': 'max-age=5' }, lifetimeSec: 5, heuristic: false },
  { name: 'RFC 9111 §4.2.1: max-age=0 wins', headers: { 'cache-control': 'max-age=0' }, lifetimeSec: 0, heuristic: false },
  {
    name: 'RFC 9111 §4.2.1: Expires wins',
    headers: { date: httpDate(0), expires: httpDate(10) },
    lifetimeSec: 10,
    heuristic: false,
  },
  { name: 'RFC 9110 §15.1: 404 is heuristically cacheable', status: 404, headers: {}, lifetimeSec: 60, heuristic: true },
  { name: 'RFC 9111 §4.2.2: a 201 is not heuristically cacheable', status: 201, headers: {}, lifetimeSec: 0, heuristic: false },
  { name: 'RFC 9111 §4.2.2: unless marked public', status: 201, headers: { 'cache-control': 'public' }, lifetimeSec: 60, heuristic: true },
];

for (const c of lifetimeCases) {
  test(`computeFreshnessLifetime with a route default: ${c.name}`, () => {
    const lifetime = computeFreshnessLifetime(
      c.status ?? 200,
      parseResponseDirectives(c.headers['cache-control']),
      c.headers,
      T0,
      OPTIONS,
      60,
    );
    assert.deepEqual(lifetime, { lifetimeSec: c.lifetimeSec, heuristic: c.heuristic });
  });
}

test('buildEntryMeta: the default a response was stored under is kept in its policy; a heuristic one keeps none', () => {
  const input = {
    key: 'http://a.test/x',
    variantKey: '',
    varyFields: [],
    status: 200,
    directives: parseResponseDirectives(undefined),
    requestAt: T0,
    responseAt: T0,
    size: 0,
  };
  const stored = buildEntryMeta({ ...input, headers: {}, defaultTtlSec: 60 }, CONFIG);
  assert.equal(stored.staleAt, T0 + 60_000);
  assert.equal(stored.policy.defaultTtlSec, 60);
  const explicit = buildEntryMeta(
    { ...input, headers: { 'cache-control': 'max-age=5' }, directives: parseResponseDirectives('max-age=5'), defaultTtlSec: 60 },
    CONFIG,
  );
  assert.equal(explicit.staleAt, T0 + 5000);
  assert.equal('defaultTtlSec' in explicit.policy, false);
  assert.equal('defaultTtlSec' in buildEntryMeta({ ...input, headers: {} }, CONFIG).policy, false);
});

test('addKeyHeaders: key fields follow the response’s Vary fields, without repeats; nothing to add keeps the same list', () => {
  const vary = ['accept-encoding'];
  assert.deepEqual(addKeyHeaders(vary, ['x-tenant', 'accept-encoding']), ['accept-encoding', 'x-tenant']);
  assert.equal(addKeyHeaders(vary, undefined), vary);
  assert.equal(addKeyHeaders(vary, ['accept-encoding']), vary);
  assert.deepEqual(addKeyHeaders([], ['x-tenant']), ['x-tenant']);
});
