import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../src/observability/metrics.ts';

/** Parses the text exposition into `name{labels}` → value, keeping label order as printed. */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

function sample(samples: Map<string, number>, key: string): number {
  const value = samples.get(key);
  assert.notEqual(value, undefined, `missing sample ${key}`);
  return value as number;
}

test('metrics: the hit ratio is the first metric and is 0 before any lookup', async () => {
  const metrics = createMetrics();
  const text = await metrics.render();
  assert.ok(text.startsWith('# HELP cachet_cache_hit_ratio '), text.slice(0, 80));
  assert.equal(sample(parseSamples(text), 'cachet_cache_hit_ratio'), 0);
});

test('metrics: hit ratio = (hit + stale) / (hit + stale + miss + revalidated); bypass and error do not count', async () => {
  const metrics = createMetrics();
  for (const cache of ['hit', 'hit', 'hit', 'stale', 'miss', 'revalidated', 'bypass', 'bypass', 'error']) {
    metrics.recordRequest('/v1/*', 'GET', 200, cache, 0.001);
  }
  const samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_cache_hit_ratio'), 4 / 6);
  assert.equal(sample(samples, 'cachet_cache_hits_total'), 4);
  assert.equal(sample(samples, 'cachet_cache_misses_total'), 2);
});

test('metrics: requests are counted per route, method, status and cache label', async () => {
  const metrics = createMetrics();
  metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 0.0004);
  metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 0.0004);
  metrics.recordRequest('/v1/*', 'HEAD', 304, 'hit', 0.0004);
  metrics.recordRequest('/v2', 'POST', 502, 'bypass', 0.2);
  metrics.recordRequest('/v2', 'PROPFIND', 200, 'bypass', 0.2);
  const samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_requests_total{route="/v1/*",method="GET",status="200",cache="hit"}'), 2);
  assert.equal(sample(samples, 'cachet_requests_total{route="/v1/*",method="HEAD",status="304",cache="hit"}'), 1);
  assert.equal(sample(samples, 'cachet_requests_total{route="/v2",method="POST",status="502",cache="bypass"}'), 1);
  assert.equal(sample(samples, 'cachet_requests_total{route="/v2",method="OTHER",status="200",cache="bypass"}'), 1);
});

test('metrics: a request that differs from the one before in a single label counts in its own series', async () => {
  const metrics = createMetrics();
  const sequence: [string, string, number, string][] = [
    ['/a', 'GET', 200, 'hit'],
    ['/a', 'GET', 200, 'hit'],
    ['/b', 'GET', 200, 'hit'],
    ['/b', 'HEAD', 200, 'hit'],
    ['/b', 'HEAD', 304, 'hit'],
    ['/b', 'HEAD', 304, 'miss'],
    ['/a', 'GET', 200, 'hit'],
  ];
  for (const [route, method, status, cache] of sequence) metrics.recordRequest(route, method, status, cache, 0.001);
  const samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_requests_total{route="/a",method="GET",status="200",cache="hit"}'), 3);
  assert.equal(sample(samples, 'cachet_requests_total{route="/b",method="GET",status="200",cache="hit"}'), 1);
  assert.equal(sample(samples, 'cachet_requests_total{route="/b",method="HEAD",status="200",cache="hit"}'), 1);
  assert.equal(sample(samples, 'cachet_requests_total{route="/b",method="HEAD",status="304",cache="hit"}'), 1);
  assert.equal(sample(samples, 'cachet_requests_total{route="/b",method="HEAD",status="304",cache="miss"}'), 1);
  assert.equal(sample(samples, 'cachet_request_duration_seconds_count{route="/a",cache="hit"}'), 3);
  assert.equal(sample(samples, 'cachet_request_duration_seconds_count{route="/b",cache="miss"}'), 1);
});

test('metrics: request durations land in buckets from 0.0005 s to 10 s', async () => {
  const metrics = createMetrics();
  metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 0.0003);
  metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 0.003);
  metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 20);
  const samples = parseSamples(await metrics.render());
  const bucket = (le: string): number => sample(samples, `cachet_request_duration_seconds_bucket{le="${le}",route="/v1/*",cache="hit"}`);
  assert.equal(bucket('0.0005'), 1);
  assert.equal(bucket('0.005'), 2);
  assert.equal(bucket('10'), 2);
  assert.equal(bucket('+Inf'), 3);
  assert.equal(sample(samples, 'cachet_request_duration_seconds_count{route="/v1/*",cache="hit"}'), 3);
});

test('metrics: coalesced, stale served and purges', async () => {
  const metrics = createMetrics();
  metrics.recordCoalesced();
  metrics.recordCoalesced();
  metrics.recordStaleServed('stale-while-revalidate');
  metrics.recordStaleServed('stale-if-error');
  metrics.recordStaleServed('stale-if-error');
  metrics.recordPurge('tag', true, 3);
  metrics.recordPurge('url', false, 1);
  metrics.recordPurge('url', false, 0);
  const samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_coalesced_requests_total'), 2);
  assert.equal(sample(samples, 'cachet_stale_served_total{reason="stale-while-revalidate"}'), 1);
  assert.equal(sample(samples, 'cachet_stale_served_total{reason="stale-if-error"}'), 2);
  assert.equal(sample(samples, 'cachet_stale_served_total{reason="max-stale"}'), 0);
  assert.equal(sample(samples, 'cachet_purges_total{kind="tag",soft="true"}'), 1);
  assert.equal(sample(samples, 'cachet_purges_total{kind="url",soft="false"}'), 2);
  assert.equal(sample(samples, 'cachet_purged_entries_total'), 4);
});

test('metrics: upstream requests by outcome and their durations by upstream', async () => {
  const metrics = createMetrics();
  metrics.recordUpstream('api', 'http://10.0.0.1:80', 'ok', 0.02);
  metrics.recordUpstream('api', 'http://10.0.0.1:80', 'ok', 0.03);
  metrics.recordUpstream('api', 'http://10.0.0.2:80', 'timeout', 5);
  const samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_upstream_requests_total{upstream="api",target="http://10.0.0.1:80",outcome="ok"}'), 2);
  assert.equal(sample(samples, 'cachet_upstream_requests_total{upstream="api",target="http://10.0.0.2:80",outcome="timeout"}'), 1);
  assert.equal(sample(samples, 'cachet_upstream_duration_seconds_count{upstream="api"}'), 3);
  assert.equal(sample(samples, 'cachet_upstream_duration_seconds_bucket{le="0.025",upstream="api"}'), 1);
});

test('metrics: store and upstream health sources are read at every scrape', async () => {
  const metrics = createMetrics();
  let stats = { entries: 2, bytes: 2048, evictions: 1 };
  let healthy = true;
  metrics.setStoreStatsSource(() => stats);
  metrics.setUpstreamHealthSource(() => [
    {
      name: 'api',
      targets: [
        { url: 'http://a:1', healthy },
        { url: 'http://b:1', healthy: false },
      ],
    },
  ]);
  let samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_store_entries'), 2);
  assert.equal(sample(samples, 'cachet_store_bytes'), 2048);
  assert.equal(sample(samples, 'cachet_store_evictions_total'), 1);
  assert.equal(sample(samples, 'cachet_upstream_healthy{upstream="api",target="http://a:1"}'), 1);
  assert.equal(sample(samples, 'cachet_upstream_healthy{upstream="api",target="http://b:1"}'), 0);

  stats = { entries: 0, bytes: 0, evictions: 5 };
  healthy = false;
  samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_store_entries'), 0);
  assert.equal(sample(samples, 'cachet_store_evictions_total'), 5);
  assert.equal(sample(samples, 'cachet_upstream_healthy{upstream="api",target="http://a:1"}'), 0);
});

test('metrics: scraping twice does not double counters', async () => {
  const metrics = createMetrics();
  metrics.recordRequest('/', 'GET', 200, 'miss', 0.01);
  await metrics.render();
  const samples = parseSamples(await metrics.render());
  assert.equal(sample(samples, 'cachet_requests_total{route="/",method="GET",status="200",cache="miss"}'), 1);
  assert.equal(sample(samples, 'cachet_cache_misses_total'), 1);
});

test('metrics: each gateway has its own registry, so two instances do not collide', async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.recordRequest('/', 'GET', 200, 'hit', 0.001);
  assert.notEqual(a.registry, b.registry);
  assert.equal(sample(parseSamples(await b.render()), 'cachet_cache_hits_total'), 0);
  assert.equal(sample(parseSamples(await a.render()), 'cachet_cache_hits_total'), 1);
});

test('metrics: default process metrics only on request', async () => {
  assert.doesNotMatch(await createMetrics().render(), /^process_cpu_seconds_total/m);
  assert.match(await createMetrics({ collectDefault: true }).render(), /^process_cpu_seconds_total/m);
});
