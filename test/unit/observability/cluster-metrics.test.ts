import test from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { renderAggregate } from '../../../src/observability/cluster-metrics.ts';

/** `name{labels} value` lines of an exposition, as a map. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    found.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return found;
}

test('the metrics of several workers add up: counters and histograms summed, target health the minimum, hit ratio recomputed', async () => {
  const a = createMetrics();
  const b = createMetrics();
  for (let i = 0; i < 3; i++) a.recordRequest('/*', 'GET', 200, 'hit', 0.0004);
  a.recordRequest('/*', 'GET', 200, 'miss', 0.02);
  b.recordRequest('/*', 'GET', 200, 'miss', 0.02);
  b.recordRequest('/*', 'POST', 201, 'bypass', 3);
  a.setUpstreamHealthSource(() => [{ name: 'api', targets: [{ url: 'http://t1', healthy: true }] }]);
  b.setUpstreamHealthSource(() => [{ name: 'api', targets: [{ url: 'http://t1', healthy: false }] }]);
  a.setStoreStatsSource(() => ({ entries: 2, bytes: 100, evictions: 0 }));
  b.setStoreStatsSource(() => ({ entries: 1, bytes: 50, evictions: 1 }));

  const text = await renderAggregate([await a.snapshot(), await b.snapshot()]);
  const found = samples(text);
  assert.equal(found.get('cachet_requests_total{route="/*",method="GET",status="200",cache="hit"}'), 3);
  assert.equal(found.get('cachet_requests_total{route="/*",method="GET",status="200",cache="miss"}'), 2);
  assert.equal(found.get('cachet_cache_hits_total'), 3);
  assert.equal(found.get('cachet_cache_misses_total'), 2);
  assert.equal(found.get('cachet_cache_hit_ratio'), 3 / 5);
  assert.equal(found.get('cachet_store_bytes'), 150);
  assert.equal(found.get('cachet_store_evictions_total'), 1);
  assert.equal(found.get('cachet_upstream_healthy{upstream="api",target="http://t1"}'), 0);
  assert.equal(found.get('cachet_request_duration_seconds_bucket{le="0.0005",route="/*",cache="hit"}'), 3);
  assert.equal(found.get('cachet_request_duration_seconds_bucket{le="0.025",route="/*",cache="miss"}'), 2);
  assert.equal(found.get('cachet_request_duration_seconds_bucket{le="+Inf",route="/*",cache="bypass"}'), 1);
  assert.equal(found.get('cachet_request_duration_seconds_count{route="/*",cache="miss"}'), 2);
  assert.equal(found.get('cachet_request_duration_seconds_sum{route="/*",cache="bypass"}'), 3);
  assert.match(text, /^# HELP cachet_cache_hit_ratio /);
  assert.match(text, /# TYPE cachet_request_duration_seconds histogram/);
});

test("one process's snapshot renders what its own exposition says", async () => {
  const metrics = createMetrics();
  metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 0.0004);
  metrics.recordUpstream('api', 'http://t1', 'ok', 0.01);
  assert.deepEqual(samples(await renderAggregate([await metrics.snapshot()])), samples(await metrics.render()));
});
