import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCacheStatus, percentile, summarizeSamples, type Sample } from '../../../examples/demo/load/stats.ts';
import { parseGatewayCounters, subtractCounters } from '../../../examples/demo/load/gateway-metrics.ts';
import { checkClaims, formatBytes, formatReport, type ReportInput } from '../../../examples/demo/load/report.ts';
import { createLimiter } from '../../../examples/demo/load/run.ts';

test("classifyCacheStatus: RFC 9211 members map to the outcomes cachet's metrics count", () => {
  const cases: [string | undefined, string][] = [
    ['cachet; hit; ttl=42', 'hit'], // §2.1
    ['cachet; hit; ttl=-3; detail=stale-while-revalidate', 'stale'], // §2.4 negative ttl
    ['cachet; fwd=uri-miss; fwd-status=200; collapsed', 'collapsed'], // §2.6
    ['cachet; fwd=uri-miss; fwd-status=200; stored; ttl=60', 'miss'], // §2.2
    ['cachet; fwd=vary-miss; fwd-status=200', 'miss'],
    ['cachet; fwd=stale; fwd-status=304; stored', 'revalidated'],
    ['cachet; fwd=bypass', 'pass'],
    ['cachet; fwd=method; fwd-status=201', 'pass'],
    ['edge; hit, cachet; fwd=uri-miss', 'miss'], // §2: the last member is the cache nearest the client
    [undefined, 'none'],
  ];
  for (const [field, expected] of cases) assert.equal(classifyCacheStatus(field), expected, String(field));
});

test('percentile: nearest rank', () => {
  const cases: [number[], number, number][] = [
    [[], 0.5, 0],
    [[5], 0.99, 5],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4], 0.99, 4],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.99, 99],
  ];
  for (const [values, fraction, expected] of cases)
    assert.equal(percentile(values, fraction), expected, `${values.length} values @ ${fraction}`);
});

const sample = (overrides: Partial<Sample>): Sample => ({
  kind: 'definitions',
  status: 304,
  outcome: 'hit',
  originInstance: 'origin-1',
  latencyMs: 1,
  bytes: 300,
  bytesWithoutCache: 300 + 1000,
  ...overrides,
});

test('summarizeSamples: hits over lookups, 304s, bytes, and origin instances only for responses that went forward', () => {
  const summary = summarizeSamples([
    sample({ status: 200, outcome: 'miss', bytes: 1300, bytesWithoutCache: 1300 }),
    sample({}),
    sample({}),
    sample({ outcome: 'collapsed', status: 200, bytes: 1300, bytesWithoutCache: 1300 }),
    sample({ kind: 'token', status: 200, outcome: 'pass', originInstance: undefined, bytes: 900, bytesWithoutCache: 900 }),
  ]);
  assert.equal(summary.byKind.definitions.lookups, 4);
  assert.equal(summary.byKind.definitions.hits, 3);
  assert.equal(summary.byKind.definitions.notModified, 2);
  assert.equal(summary.byKind.definitions.notModifiedBytes, 600);
  assert.equal(summary.total.lookups, 4, 'a token request is not a cache lookup');
  assert.deepEqual(summary.originInstances, { 'origin-1': 1 });
  assert.equal(summary.total.bytes, 1300 + 600 + 1300 + 900);
  assert.equal(summary.total.bytesWithoutCache, 1300 + 2600 + 1300 + 900);
});

test('parseGatewayCounters: reads hits, misses and per-target upstream requests from Prometheus text', () => {
  const text = [
    '# HELP cachet_cache_hits_total Cacheable lookups answered from storage (hit or stale).',
    '# TYPE cachet_cache_hits_total counter',
    'cachet_cache_hits_total 120',
    'cachet_cache_misses_total 3',
    'cachet_coalesced_requests_total 2',
    'cachet_upstream_requests_total{upstream="api",target="http://127.0.0.1:3001",outcome="ok"} 2',
    'cachet_upstream_requests_total{upstream="api",target="http://127.0.0.1:3001",outcome="connect-error"} 1',
    'cachet_upstream_requests_total{upstream="api",target="http://127.0.0.1:3002",outcome="ok"} 4',
    'cachet_upstream_requests_total{upstream="issuer",target="http://127.0.0.1:3000",outcome="ok"} 9',
  ].join('\n');
  const after = parseGatewayCounters(text);
  assert.deepEqual(after, {
    cacheHits: 120,
    cacheMisses: 3,
    coalesced: 2,
    upstreamRequests: { 'http://127.0.0.1:3001': 3, 'http://127.0.0.1:3002': 4 },
  });
  const before = parseGatewayCounters(
    'cachet_cache_hits_total 20\ncachet_upstream_requests_total{upstream="api",target="http://127.0.0.1:3002",outcome="ok"} 1',
  );
  assert.deepEqual(subtractCounters(after, before), {
    cacheHits: 100,
    cacheMisses: 3,
    coalesced: 2,
    upstreamRequests: { 'http://127.0.0.1:3001': 3, 'http://127.0.0.1:3002': 3 },
  });
});

/** One device's one check, summarised from `samples`, with cachet's counters when given. */
function reportInput(samples: readonly Sample[], gateway: ReportInput['gateway']): ReportInput {
  return {
    devices: 1,
    freshDevices: 0,
    rounds: 1,
    intervalMs: 1,
    definitionsBytes: 1000,
    elapsedMs: 1,
    summary: summarizeSamples(samples),
    gateway,
  };
}

test('checkClaims: met only with a definitions hit ratio near 99% and at least one 304', () => {
  const input = (hits: number, lookups: number, notModified: number): ReportInput => {
    const samples: Sample[] = [];
    for (let i = 0; i < lookups; i++) samples.push(sample({ outcome: i < hits ? 'hit' : 'miss', status: i < notModified ? 304 : 200 }));
    return reportInput(samples, undefined);
  };
  assert.deepEqual(
    checkClaims(input(995, 1000, 990)).map((c) => c.isMet),
    [true, true],
  );
  assert.deepEqual(
    checkClaims(input(900, 1000, 0)).map((c) => c.isMet),
    [false, false],
  );
  assert.match(checkClaims(input(995, 1000, 990))[1]?.evidence ?? '', /990 × 304 of about 300 B each instead of 1,000 B/);
});

test('formatBytes: binary units', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [50 * 1024 * 1024, '50 MiB'],
    [244.2 * 1024 ** 3, '244 GiB'],
  ];
  for (const [bytes, expected] of cases) assert.equal(formatBytes(bytes), expected);
});

test('createLimiter: never more than `size` tasks at once, and all of them run', async () => {
  const limit = createLimiter(3);
  let active = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setImmediate(resolve));
        active--;
        return i;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(
    results,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test('formatReport lists the origins by name, whatever order the metrics gave their targets in', () => {
  const report = formatReport({
    ...reportInput([sample({ outcome: 'miss', status: 200 })], {
      cacheHits: 0,
      cacheMisses: 3,
      coalesced: 0,
      upstreamRequests: { 'http://127.0.0.1:3003': 1, 'http://127.0.0.1:3001': 1, 'http://127.0.0.1:3002': 1 },
    }),
    originNames: { 'http://127.0.0.1:3001': 'origin-1', 'http://127.0.0.1:3002': 'origin-2', 'http://127.0.0.1:3003': 'origin-3' },
  });
  assert.match(report.join('\n'), /reached an origin .*: origin-1 1, origin-2 1, origin-3 1$/m);
});
