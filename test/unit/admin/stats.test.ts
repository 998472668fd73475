import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecentPurges } from '../../../src/admin/recent-purges.ts';
import { summarizeStats } from '../../../src/admin/stats.ts';
import { snapshotAggregate } from '../../../src/observability/cluster-metrics.ts';
import { createMetrics, type MetricsSnapshot } from '../../../src/observability/metrics.ts';

const HEALTH = { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] } as const;

test('summarizeStats adds up requests by status and outcome, the hit ratio and the latency buckets of every route', async () => {
  const metrics = createMetrics();
  metrics.recordRequest('/a/*', 'GET', 200, 'miss', 0.02);
  metrics.recordRequest('/a/*', 'GET', 200, 'hit', 0.0004);
  metrics.recordRequest('/b/*', 'GET', 200, 'hit', 0.0004);
  metrics.recordRequest('/b/*', 'POST', 502, 'bypass', 3);
  const stats = summarizeStats({ snapshot: await metrics.snapshot(), health: HEALTH, purges: [], at: 1_000 });
  assert.deepEqual(stats.requests, { total: 4, byStatus: { 200: 3, 502: 1 }, byCache: { miss: 1, hit: 2, bypass: 1 } });
  assert.deepEqual([stats.cache.hits, stats.cache.misses, stats.cache.hitRatio], [2, 1, 2 / 3]);
  const { bucketsSec, cumulative, sumSec } = stats.latency;
  assert.deepEqual(bucketsSec, [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  assert.deepEqual(cumulative, [2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4]);
  assert.ok(Math.abs(sumSec - 3.0208) < 1e-9);
  assert.equal(stats.at, 1_000);
});

test('summarizeStats reads metrics by name: absent ones are null, and no lookup yet is a null hit ratio', () => {
  const stats = summarizeStats({ snapshot: [], health: HEALTH, purges: [], at: 0 });
  assert.deepEqual(stats.requests, { total: 0, byStatus: {}, byCache: {} });
  assert.deepEqual(stats.cache, { hits: 0, misses: 0, hitRatio: null, entries: null, bytes: null });
  assert.deepEqual(stats.bytes, { served: null, saved: null });
  assert.deepEqual(stats.latency, { bucketsSec: [], cumulative: [0], sumSec: 0 });

  const counted: MetricsSnapshot = [
    { name: 'cachet_bytes_served_total', help: '', type: 'counter', aggregator: 'sum', values: [{ labels: { route: '/a' }, value: 300 }] },
    { name: 'cachet_cache_bytes_saved_total', help: '', type: 'counter', aggregator: 'sum', values: [{ labels: {}, value: 120 }] },
  ];
  assert.deepEqual(summarizeStats({ snapshot: counted, health: HEALTH, purges: [], at: 0 }).bytes, { served: 300, saved: 120 });
});

test('summarizeStats keeps no target URL of the health it is given', () => {
  const health = { status: 'degraded' as const, upstreams: [{ name: 'api', healthy: 1, total: 2, targets: ['http://10.0.0.1'] }] };
  assert.deepEqual(summarizeStats({ snapshot: [], health, purges: [], at: 0 }).health, {
    status: 'degraded',
    upstreams: [{ name: 'api', healthy: 1, total: 2 }],
  });
});

test('the aggregate of two processes gives the summed requests, buckets and a hit ratio recomputed from the sums', async () => {
  const one = createMetrics();
  one.recordRequest('/a/*', 'GET', 200, 'miss', 0.02);
  const two = createMetrics();
  two.recordRequest('/a/*', 'GET', 200, 'hit', 0.0004);
  two.recordRequest('/a/*', 'GET', 200, 'hit', 0.0004);
  const snapshot = await snapshotAggregate([await one.snapshot(), await two.snapshot()]);
  const stats = summarizeStats({ snapshot, health: HEALTH, purges: [], at: 0 });
  assert.equal(stats.requests.total, 3);
  assert.deepEqual([stats.cache.hits, stats.cache.misses, stats.cache.hitRatio], [2, 1, 2 / 3]);
  assert.deepEqual(stats.latency.cumulative.slice(0, 6), [2, 2, 2, 2, 2, 3]);
  assert.equal(stats.latency.cumulative.at(-1), 3);
});

test('recent purges keep the last ones, newest first, never more than the limit', () => {
  const purges = createRecentPurges(3);
  assert.deepEqual(purges.list(), []);
  for (let at = 1; at <= 5; at++) purges.record({ at, selectors: [{ url: `/${at}` }], soft: false, purged: at });
  assert.deepEqual(
    purges.list().map((purge) => purge.at),
    [5, 4, 3],
  );
  purges.record({ at: 6, selectors: [{ tag: 't' }], soft: true, purged: 0 });
  assert.deepEqual(
    purges.list().map((purge) => purge.at),
    [6, 5, 4],
  );
});
