import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStoredPolicy, canServeStaleOnError, computeCurrentAge, evaluateUsability } from '../../../../src/cache/policy/usability.ts';
import { parseRequestDirectives, parseResponseDirectives } from '../../../../src/cache/policy/cache-control.ts';
import type { StoredPolicy } from '../../../../src/cache/policy/entry.ts';
import { T0, createEntryMeta } from './fixtures.ts';

interface UsabilityCase {
  name: string;
  /** Seconds since the response arrived; the entry has a lifetime of 100 s and arrived with age 0. */
  elapsedSec: number;
  policy?: Partial<StoredPolicy>;
  request?: string;
  expected: { kind: string; reason?: string; staleIfErrorUsable?: boolean };
}

const cases: UsabilityCase[] = [
  { name: 'RFC 9111 §4.2: fresh while lifetime > current age', elapsedSec: 99, expected: { kind: 'fresh' } },
  {
    name: 'RFC 9111 §4.2: stale once current age reaches the lifetime',
    elapsedSec: 100,
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 9111 §5.2.1.4: request no-cache revalidates a fresh response',
    elapsedSec: 1,
    request: 'no-cache',
    expected: { kind: 'revalidate', reason: 'request-no-cache', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 9111 §5.4: Pragma-style request no-cache (parsed) revalidates',
    elapsedSec: 1,
    request: 'pragma',
    expected: { kind: 'revalidate', reason: 'request-no-cache' },
  },
  {
    name: 'RFC 9111 §5.2.2.4: stored no-cache revalidates even when fresh',
    elapsedSec: 1,
    policy: { noCache: true },
    expected: { kind: 'revalidate', reason: 'no-cache', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 9111 §4.2.4: stored no-cache forbids stale-if-error too',
    elapsedSec: 1,
    policy: { noCache: true, staleIfErrorSec: 600 },
    expected: { kind: 'revalidate', reason: 'no-cache', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 9111 §5.2.1.1: request max-age below the current age revalidates',
    elapsedSec: 11,
    request: 'max-age=10',
    expected: { kind: 'revalidate', reason: 'request-max-age' },
  },
  {
    name: 'RFC 9111 §5.2.1.1: request max-age equal to the current age is served',
    elapsedSec: 10,
    request: 'max-age=10',
    expected: { kind: 'fresh' },
  },
  {
    name: 'RFC 9111 §5.2.1.1: request max-age=0 revalidates an aged response',
    elapsedSec: 1,
    request: 'max-age=0',
    expected: { kind: 'revalidate', reason: 'request-max-age' },
  },
  {
    name: 'RFC 9111 §5.2.1.1: request max-age=0 revalidates even a response received this very millisecond',
    elapsedSec: 0,
    request: 'max-age=0',
    expected: { kind: 'revalidate', reason: 'request-max-age' },
  },
  {
    name: 'RFC 8246 §1: a fresh immutable response ignores request max-age (reload)',
    elapsedSec: 1,
    request: 'max-age=0',
    policy: { immutable: true },
    expected: { kind: 'fresh' },
  },
  {
    name: 'RFC 8246 §1: immutable does not ignore request no-cache',
    elapsedSec: 1,
    request: 'no-cache',
    policy: { immutable: true },
    expected: { kind: 'revalidate', reason: 'request-no-cache' },
  },
  {
    name: 'RFC 9111 §5.2.1.1: request max-age still bounds max-stale',
    elapsedSec: 150,
    request: 'max-age=120, max-stale=100',
    expected: { kind: 'revalidate', reason: 'request-max-age' },
  },
  {
    name: 'RFC 9111 §5.2.1.3: min-fresh above the remaining lifetime revalidates',
    elapsedSec: 90,
    request: 'min-fresh=20',
    expected: { kind: 'revalidate', reason: 'request-min-fresh' },
  },
  {
    name: 'RFC 9111 §5.2.1.3: min-fresh within the remaining lifetime is served',
    elapsedSec: 70,
    request: 'min-fresh=20',
    expected: { kind: 'fresh' },
  },
  {
    name: 'RFC 9111 §5.2.1.2: max-stale covering the staleness serves stale',
    elapsedSec: 130,
    request: 'max-stale=30',
    expected: { kind: 'stale-allowed' },
  },
  {
    name: 'RFC 9111 §5.2.1.2: max-stale smaller than the staleness revalidates',
    elapsedSec: 131,
    request: 'max-stale=30',
    expected: { kind: 'revalidate', reason: 'stale' },
  },
  {
    name: 'RFC 9111 §5.2.1.2: bare max-stale accepts any staleness',
    elapsedSec: 1e6,
    request: 'max-stale',
    expected: { kind: 'stale-allowed' },
  },
  {
    name: 'RFC 9111 §5.2.2.2: must-revalidate beats max-stale',
    elapsedSec: 101,
    request: 'max-stale',
    policy: { mustRevalidate: true },
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 9111 §5.2.2.2: must-revalidate beats stale-while-revalidate and stale-if-error',
    elapsedSec: 101,
    policy: { mustRevalidate: true, staleWhileRevalidateSec: 60, staleIfErrorSec: 60 },
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 5861 §3: within stale-while-revalidate: serve and revalidate in the background',
    elapsedSec: 160,
    policy: { staleWhileRevalidateSec: 60 },
    expected: { kind: 'stale-while-revalidate' },
  },
  {
    name: 'RFC 5861 §3: past stale-while-revalidate: revalidate first',
    elapsedSec: 161,
    policy: { staleWhileRevalidateSec: 60 },
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 5861 §3: request no-cache beats stale-while-revalidate',
    elapsedSec: 120,
    request: 'no-cache',
    policy: { staleWhileRevalidateSec: 60 },
    expected: { kind: 'revalidate', reason: 'request-no-cache' },
  },
  {
    name: 'RFC 5861 §4: within the response stale-if-error window',
    elapsedSec: 200,
    policy: { staleIfErrorSec: 100 },
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: true },
  },
  {
    name: 'RFC 5861 §4: past the response stale-if-error window',
    elapsedSec: 201,
    policy: { staleIfErrorSec: 100 },
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: false },
  },
  {
    name: 'RFC 5861 §4: the request stale-if-error window also counts',
    elapsedSec: 150,
    request: 'stale-if-error=60',
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: true },
  },
  {
    name: 'RFC 5861 §4: the larger of both windows applies',
    elapsedSec: 150,
    request: 'stale-if-error=10',
    policy: { staleIfErrorSec: 60 },
    expected: { kind: 'revalidate', reason: 'stale', staleIfErrorUsable: true },
  },
  {
    name: 'RFC 5861 §4: a fresh response revalidated on request no-cache may answer an error within stale-if-error',
    elapsedSec: 1,
    request: 'no-cache',
    policy: { staleIfErrorSec: 60 },
    expected: { kind: 'revalidate', reason: 'request-no-cache', staleIfErrorUsable: true },
  },
];

for (const { name, elapsedSec, policy, request, expected } of cases) {
  test(`evaluateUsability: ${name}`, () => {
    const meta = createEntryMeta({ lifetimeSec: 100, policy });
    const headers = request === undefined ? {} : request === 'pragma' ? { pragma: 'no-cache' } : { 'cache-control': request };
    const usability = evaluateUsability(meta, parseRequestDirectives(headers), T0 + elapsedSec * 1000);
    const picked: Record<string, unknown> = { kind: usability.kind };
    if (usability.kind === 'revalidate') {
      if (expected.reason !== undefined) picked['reason'] = usability.reason;
      if (expected.staleIfErrorUsable !== undefined) picked['staleIfErrorUsable'] = usability.staleIfErrorUsable;
    }
    assert.deepEqual(picked, expected);
  });
}

test('evaluateUsability: RFC 9111 §4.2.3: ageSec is the current age and ttlSec the lifetime left (negative when stale)', () => {
  const meta = createEntryMeta({ lifetimeSec: 100, initialAgeSec: 20 });
  assert.deepEqual(evaluateUsability(meta, parseRequestDirectives({}), T0 + 30_000), { kind: 'fresh', ageSec: 50, ttlSec: 50 });
  const stale = evaluateUsability(meta, parseRequestDirectives({}), T0 + 90_500);
  assert.equal(stale.ageSec, 110.5);
  assert.equal(stale.ttlSec, -10.5);
});

test('computeCurrentAge: RFC 9111 §4.2.3: corrected_initial_age + resident_time', () => {
  const meta = createEntryMeta({ initialAgeSec: 7 });
  assert.equal(computeCurrentAge(meta, T0 + 2500), 9.5);
});

test('computeCurrentAge: RFC 9111 §4.2.3: a clock that went back never makes the age smaller', () => {
  const meta = createEntryMeta({ initialAgeSec: 7 });
  assert.equal(computeCurrentAge(meta, T0 - 60_000), 7);
});

test('canServeStaleOnError: RFC 5861 §4: no window, no stale answer', () => {
  assert.equal(canServeStaleOnError(createEntryMeta({ lifetimeSec: 100 }), parseRequestDirectives({}), T0 + 101_000), false);
});

test('canServeStaleOnError: RFC 9111 §4.2.4: must-revalidate forbids it even with a request window', () => {
  const meta = createEntryMeta({ lifetimeSec: 100, policy: { mustRevalidate: true } });
  assert.equal(canServeStaleOnError(meta, parseRequestDirectives({ 'cache-control': 'stale-if-error=600' }), T0 + 101_000), false);
});

const policyCases: { name: string; cacheControl: string; heuristic?: boolean; expected: StoredPolicy }[] = [
  {
    name: 'RFC 9111 §5.2.2.4: bare no-cache',
    cacheControl: 'no-cache',
    expected: { noCache: true, mustRevalidate: false, staleWhileRevalidateSec: 0, staleIfErrorSec: 0, immutable: false, heuristic: false },
  },
  {
    name: 'RFC 9111 §5.2.2.4: qualified no-cache does not force revalidation',
    cacheControl: 'no-cache="set-cookie"',
    expected: { noCache: false, mustRevalidate: false, staleWhileRevalidateSec: 0, staleIfErrorSec: 0, immutable: false, heuristic: false },
  },
  {
    name: 'RFC 9111 §5.2.2.2: must-revalidate',
    cacheControl: 'must-revalidate',
    expected: { noCache: false, mustRevalidate: true, staleWhileRevalidateSec: 0, staleIfErrorSec: 0, immutable: false, heuristic: false },
  },
  {
    name: 'RFC 9111 §5.2.2.8: proxy-revalidate binds a shared cache like must-revalidate',
    cacheControl: 'proxy-revalidate',
    expected: { noCache: false, mustRevalidate: true, staleWhileRevalidateSec: 0, staleIfErrorSec: 0, immutable: false, heuristic: false },
  },
  {
    name: 'RFC 9111 §5.2.2.10: s-maxage implies proxy-revalidate',
    cacheControl: 's-maxage=60, stale-while-revalidate=30',
    expected: { noCache: false, mustRevalidate: true, staleWhileRevalidateSec: 30, staleIfErrorSec: 0, immutable: false, heuristic: false },
  },
  {
    name: 'RFC 5861 and RFC 8246: windows and immutable are kept; heuristic is recorded',
    cacheControl: 'stale-while-revalidate=30, stale-if-error=600, immutable',
    heuristic: true,
    expected: {
      noCache: false,
      mustRevalidate: false,
      staleWhileRevalidateSec: 30,
      staleIfErrorSec: 600,
      immutable: true,
      heuristic: true,
    },
  },
];

for (const { name, cacheControl, heuristic, expected } of policyCases) {
  test(`buildStoredPolicy: ${name}`, () => {
    assert.deepEqual(buildStoredPolicy(parseResponseDirectives(cacheControl), heuristic ?? false), expected);
  });
}
