import { Counter, Gauge, Registry, collectDefaultMetrics, type Aggregator } from 'prom-client';
import { registerTrafficMetrics, type AuthOutcome } from './traffic-metrics.ts';

export type { AuthOutcome } from './traffic-metrics.ts';

export type StaleReason = 'stale-while-revalidate' | 'stale-if-error' | 'max-stale';
export type UpstreamOutcome = 'ok' | 'connect-error' | 'reset' | 'timeout' | 'error';
/**
 * Why a request was sent to the upstream again: its connect failed, its connection was reset before a response,
 * or the cache's validation got a 304 for an entity-tag no stored response has (RFC 9111 §4.3.4).
 */
export type UpstreamRetryReason = 'connect' | 'reset' | 'unmatched-304';
export type PurgeKind = 'url' | 'prefix' | 'tag';
/** Calls on the shared store (Redis), the `operation` label of `cachet_store_errors_total`; `read`: a body streamed from it failed mid-response. */
export type StoreOperation = 'get' | 'put' | 'delete' | 'purge' | 'read';

/** The `kind` label of a purge selector. */
export function purgeKindOf(selector: { readonly url: string } | { readonly prefix: string } | { readonly tag: string }): PurgeKind {
  return 'url' in selector ? 'url' : 'prefix' in selector ? 'prefix' : 'tag';
}

/** One metric as prom-client's `Registry.getMetricsAsJSON()` gives it: plain data a worker can send. */
export interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  /** `counter`, `gauge`, `histogram`, `summary`. */
  readonly type: string;
  /** How `AggregatorRegistry.aggregate` combines the workers' values. */
  readonly aggregator: Aggregator;
  readonly values: ReadonlyArray<SnapshotValue>;
}

export interface SnapshotValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** `<name>_bucket`, `_sum` or `_count` for histograms. */
  readonly metricName?: string;
}

/** Every metric of one process: what a supervisor adds up across its workers. */
export type MetricsSnapshot = readonly MetricSnapshot[];

export interface StoreStatsSnapshot {
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
}

export interface UpstreamHealthSnapshot {
  readonly name: string;
  readonly targets: ReadonlyArray<{ readonly url: string; readonly healthy: boolean }>;
}

/** One gateway's Prometheus metrics. Record calls are cheap; derived values are computed at scrape time. */
export interface Metrics {
  readonly registry: Registry;
  /**
   * Counts one response and its latency. `cache` is the outcome label: `hit`, `stale`, `miss`, `revalidated`,
   * `bypass`, `error`, ... (a short token from a fixed set; it becomes a label value).
   */
  recordRequest(route: string, method: string, status: number, cache: string, durationSec: number): void;
  /** A request arrived (`cachet_requests_in_flight`); `requestEnded` exactly once when its response is over (see response-meter.ts). */
  requestStarted(): void;
  requestEnded(): void;
  /** Response body bytes written to a client; `fromCache` for hit and stale answers (these also count as saved). */
  recordBodyBytes(fromCache: boolean, bytes: number): void;
  /** How authentication ended for a request on a route that authenticates. */
  recordAuthOutcome(outcome: AuthOutcome): void;
  /** A request that waited on another request's upstream fetch instead of sending its own. */
  recordCoalesced(): void;
  recordStaleServed(reason: StaleReason): void;
  recordUpstream(upstream: string, target: string, outcome: UpstreamOutcome, durationSec: number): void;
  recordUpstreamRetry(upstream: string, reason: UpstreamRetryReason): void;
  recordPurge(kind: PurgeKind, soft: boolean, count: number): void;
  /** An upstream connection found out of step with its origin (closed; what it fed the cache purged). */
  recordUpstreamDesync(upstream: string, target: string): void;
  /** A shared-store (Redis) call that failed or was refused; the request went on without it (a miss, a dropped write). */
  recordStoreError(operation: StoreOperation): void;
  /** A purge applied to this instance's memory tier only, the shared store being unavailable (replayed once it is back). */
  recordPurgeNotShared(): void;
  /** Whether the shared store answers (its circuit is not open), for `cachet_store_remote_up`. */
  setStoreRemoteUp(up: boolean): void;
  /** Read on every scrape for `cachet_store_*`. */
  setStoreStatsSource(fn: () => StoreStatsSnapshot): void;
  /** Read on every scrape for `cachet_upstream_healthy`. */
  setUpstreamHealthSource(fn: () => ReadonlyArray<UpstreamHealthSnapshot>): void;
  /** The Prometheus text exposition (version 0.0.4). */
  render(): Promise<string>;
  /** The same metrics as JSON, the histograms kept outside prom-client included (see `cluster-metrics.ts`). */
  snapshot(): Promise<MetricsSnapshot>;
}

export interface MetricsOptions {
  /** Also export prom-client's process and Node.js runtime metrics (`process_*`, `nodejs_*`). Default false. */
  readonly collectDefault?: boolean;
}

/** Latency buckets in seconds: from a memory hit (sub-millisecond) to a slow origin. */
const DURATION_BUCKETS_SEC: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Labels served from storage without contacting the origin. */
const HIT_LABELS: ReadonlySet<string> = new Set(['hit', 'stale']);
/** Cacheable lookups that needed the origin. */
const MISS_LABELS: ReadonlySet<string> = new Set(['miss', 'revalidated']);
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

interface Series {
  readonly labels: Record<string, string>;
  count: number;
  readonly duration: BucketCounts;
}

/**
 * A histogram series kept as plain numbers: observing is a short bucket scan, no label hashing
 * (prom-client hashes the label set on every child `observe`, which costs more than a cache hit).
 * Rendered in the exposition format at scrape time.
 */
class BucketCounts {
  readonly labels: Record<string, string>;
  readonly counts = new Float64Array(DURATION_BUCKETS_SEC.length + 1);
  sum = 0;
  count = 0;

  constructor(labels: Record<string, string>) {
    this.labels = labels;
  }

  observe(value: number): void {
    let i = 0;
    while (i < DURATION_BUCKETS_SEC.length && value > (DURATION_BUCKETS_SEC[i] as number)) i++;
    (this.counts as Float64Array)[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** Prometheus text for histograms held as `BucketCounts` (exposition format 0.0.4). */
function renderHistogram(name: string, help: string, series: Iterable<BucketCounts>): string {
  let text = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`;
  for (const histogram of series) {
    const labels = Object.entries(histogram.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    let cumulative = 0;
    for (let i = 0; i < DURATION_BUCKETS_SEC.length; i++) {
      cumulative += histogram.counts[i] as number;
      text += `${name}_bucket{le="${DURATION_BUCKETS_SEC[i]}",${labels}} ${cumulative}\n`;
    }
    text += `${name}_bucket{le="+Inf",${labels}} ${histogram.count}\n`;
    text += `${name}_sum{${labels}} ${histogram.sum}\n${name}_count{${labels}} ${histogram.count}\n`;
  }
  return text;
}

const REQUEST_DURATION = {
  name: 'cachet_request_duration_seconds',
  help: 'Time from request to response end, by route and cache outcome.',
} as const;
const UPSTREAM_DURATION = {
  name: 'cachet_upstream_duration_seconds',
  help: 'Time to an upstream response head (or failure), by upstream.',
} as const;

/** A `BucketCounts` histogram in prom-client's JSON shape (cumulative buckets), which sums bucket by bucket. */
function snapshotHistogram(metric: { name: string; help: string }, series: Iterable<BucketCounts>): MetricSnapshot {
  const values: SnapshotValue[] = [];
  for (const histogram of series) {
    let cumulative = 0;
    for (let i = 0; i < DURATION_BUCKETS_SEC.length; i++) {
      cumulative += histogram.counts[i] as number;
      values.push({
        labels: { le: DURATION_BUCKETS_SEC[i] as number, ...histogram.labels },
        value: cumulative,
        metricName: `${metric.name}_bucket`,
      });
    }
    values.push({ labels: { le: '+Inf', ...histogram.labels }, value: histogram.count, metricName: `${metric.name}_bucket` });
    values.push({ labels: { ...histogram.labels }, value: histogram.sum, metricName: `${metric.name}_sum` });
    values.push({ labels: { ...histogram.labels }, value: histogram.count, metricName: `${metric.name}_count` });
  }
  return { ...metric, type: 'histogram', values, aggregator: 'sum' };
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The map under `key` in `outer`, made on first use: one level of the series maps keyed by label values. */
function innerMap<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (inner === undefined) outer.set(key, (inner = new Map()));
  return inner;
}

function histogramFor(map: Map<string, BucketCounts>, key: string, labels: Record<string, string>): BucketCounts {
  let histogram = map.get(key);
  if (histogram === undefined) {
    histogram = new BucketCounts(labels);
    map.set(key, histogram);
  }
  return histogram;
}

/**
 * Creates the metrics of one gateway on its own `Registry` (never prom-client's global one, so several
 * gateways in one process do not collide).
 *
 * The hot path only increments plain numbers in a series found by one `Map` lookup and observes a
 * pre-bound histogram child; counters are copied into prom-client at scrape time through `collect()`.
 * `cachet_cache_hit_ratio` is registered first so it heads the exposition.
 *
 * @example
 * const metrics = createMetrics();
 * metrics.recordRequest('/v1/*', 'GET', 200, 'hit', 0.0004);
 * const text = await metrics.render();
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const requests = new Map<string, Series>();
  const requestSeries = new Map<string, Map<string, Map<number, Map<string, Series>>>>();
  const upstreamRequests = new Map<string, Series>();
  const upstreamSeries = new Map<string, Map<string, Map<string, Series>>>();
  const staleServed: Record<StaleReason, number> = { 'stale-while-revalidate': 0, 'stale-if-error': 0, 'max-stale': 0 };
  let coalesced = 0;
  let storeStats: (() => StoreStatsSnapshot) | undefined;
  let upstreamHealth: (() => ReadonlyArray<UpstreamHealthSnapshot>) | undefined;

  const countLookups = (labels: ReadonlySet<string>): number => {
    let total = 0;
    for (const series of requests.values()) if (labels.has(series.labels['cache'] ?? '')) total += series.count;
    return total;
  };

  new Gauge({
    name: 'cachet_cache_hit_ratio',
    help: 'Share of cacheable lookups answered from storage since start: (hit + stale) / (hit + stale + miss + revalidated); 0 before any.',
    registers: [registry],
    collect() {
      const hits = countLookups(HIT_LABELS);
      const lookups = hits + countLookups(MISS_LABELS);
      this.set(lookups === 0 ? 0 : hits / lookups);
    },
  });
  new Counter({
    name: 'cachet_requests_total',
    help: 'Responses sent, by route, method, status and cache outcome.',
    labelNames: ['route', 'method', 'status', 'cache'],
    registers: [registry],
    collect() {
      copySeries(this, requests);
    },
  });
  new Counter({
    name: 'cachet_cache_hits_total',
    help: 'Cacheable lookups answered from storage (hit or stale).',
    registers: [registry],
    collect() {
      setTotal(this, countLookups(HIT_LABELS));
    },
  });
  new Counter({
    name: 'cachet_cache_misses_total',
    help: 'Cacheable lookups that needed the origin (miss or revalidated).',
    registers: [registry],
    collect() {
      setTotal(this, countLookups(MISS_LABELS));
    },
  });
  const requestDurations = new Map<string, BucketCounts>();
  new Counter({
    name: 'cachet_coalesced_requests_total',
    help: "Requests that waited on another request's upstream fetch.",
    registers: [registry],
    collect() {
      setTotal(this, coalesced);
    },
  });
  new Counter({
    name: 'cachet_stale_served_total',
    help: 'Stale responses served, by the rule that allowed it.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(staleServed)) this.inc({ reason }, count);
    },
  });
  new Counter({
    name: 'cachet_upstream_requests_total',
    help: 'Requests sent to upstream targets, by outcome.',
    labelNames: ['upstream', 'target', 'outcome'],
    registers: [registry],
    collect() {
      copySeries(this, upstreamRequests);
    },
  });
  const upstreamDurations = new Map<string, BucketCounts>();
  const upstreamRetries = new Counter({
    name: 'cachet_upstream_retries_total',
    help: 'Requests sent to an upstream again, by reason: connect (on another target), reset (before any response byte) or unmatched-304 (a validation answered for an entity-tag the cache does not hold; sent again unconditionally).',
    labelNames: ['upstream', 'reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'cachet_upstream_healthy',
    help: '1 when the target is healthy (active and passive checks), else 0.',
    labelNames: ['upstream', 'target'],
    registers: [registry],
    // Across workers: healthy only where every worker's checks agree.
    aggregator: 'min',
    collect() {
      this.reset();
      for (const upstream of upstreamHealth?.() ?? []) {
        for (const target of upstream.targets) this.set({ upstream: upstream.name, target: target.url }, target.healthy ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'cachet_store_bytes',
    help: 'Bytes held by the cache store.',
    registers: [registry],
    collect() {
      this.set(storeStats?.().bytes ?? 0);
    },
  });
  new Gauge({
    name: 'cachet_store_entries',
    help: 'Responses held by the cache store.',
    registers: [registry],
    collect() {
      this.set(storeStats?.().entries ?? 0);
    },
  });
  new Counter({
    name: 'cachet_store_evictions_total',
    help: 'Entries the store evicted to stay within its size.',
    registers: [registry],
    collect() {
      setTotal(this, storeStats?.().evictions ?? 0);
    },
  });
  const purges = new Counter({
    name: 'cachet_purges_total',
    help: 'Purge requests, by selector kind and softness.',
    labelNames: ['kind', 'soft'],
    registers: [registry],
  });
  const purgedEntries = new Counter({
    name: 'cachet_purged_entries_total',
    help: 'Entries removed or marked stale by purges.',
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'cachet_store_errors_total',
    help: 'Shared-store (Redis) calls that failed, timed out or were refused while its circuit was open, by operation; each was answered without it.',
    labelNames: ['operation'],
    registers: [registry],
  });
  const purgesNotShared = new Counter({
    name: 'cachet_purges_not_shared_total',
    help: 'Purges applied to this instance only because the shared store was unavailable; they are replayed there once it is back.',
    registers: [registry],
  });
  const storeRemoteUp = new Gauge({
    name: 'cachet_store_remote_up',
    help: '1 while the shared store (Redis) answers, 0 while its circuit is open (and with the memory store, which has no shared tier).',
    registers: [registry],
    aggregator: 'min',
  });
  const upstreamDesyncs = new Counter({
    name: 'cachet_upstream_desyncs_total',
    help: 'Upstream connections closed out of step with the origin (an extra response or a parse error); the responses they fed the cache were purged.',
    labelNames: ['upstream', 'target'],
    registers: [registry],
  });

  const traffic = registerTrafficMetrics(registry);

  if (options.collectDefault === true) collectDefaultMetrics({ register: registry });

  // The series of the last request: most requests repeat its labels, and skip the four lookups below.
  let lastRoute = '';
  let lastCache = '';
  let lastStatus = 0;
  let lastMethod = '';
  let lastSeries: Series | undefined;

  /** The series of one label set, found through nested maps keyed by the values themselves: no key string per request. */
  const requestSeriesOf = (route: string, method: string, status: number, cache: string): Series => {
    if (route === lastRoute && cache === lastCache && status === lastStatus && method === lastMethod && lastSeries !== undefined)
      return lastSeries;
    const byMethod = innerMap(innerMap(innerMap(requestSeries, route), cache), status);
    let series = byMethod.get(method);
    if (series === undefined) {
      // Methods outside the standard set share one label value, so odd methods cannot grow the series count.
      const methodLabel = KNOWN_METHODS.has(method) ? method : 'OTHER';
      const key = `${route}\0${methodLabel}\0${status}\0${cache}`;
      series = requests.get(key);
      if (series === undefined) {
        series = {
          labels: { route, method: methodLabel, status: String(status), cache },
          count: 0,
          duration: histogramFor(requestDurations, `${route}\0${cache}`, { route, cache }),
        };
        requests.set(key, series);
      }
      byMethod.set(method, series);
    }
    lastRoute = route;
    lastCache = cache;
    lastStatus = status;
    lastMethod = method;
    lastSeries = series;
    return series;
  };

  return {
    registry,
    recordRequest(route, method, status, cache, durationSec) {
      const series = requestSeriesOf(route, method, status, cache);
      series.count++;
      series.duration.observe(durationSec);
    },
    requestStarted() {
      traffic.inFlight++;
    },
    requestEnded() {
      traffic.inFlight--;
    },
    recordBodyBytes(fromCache, bytes) {
      if (fromCache) traffic.cacheBytes += bytes;
      else traffic.upstreamBytes += bytes;
    },
    recordAuthOutcome(outcome) {
      traffic.authOutcomes.set(outcome, (traffic.authOutcomes.get(outcome) ?? 0) + 1);
    },
    recordCoalesced() {
      coalesced++;
    },
    recordStaleServed(reason) {
      staleServed[reason]++;
    },
    recordUpstream(upstream, target, outcome, durationSec) {
      const byOutcome = innerMap(innerMap(upstreamSeries, upstream), target);
      let series = byOutcome.get(outcome);
      if (series === undefined) {
        series = { labels: { upstream, target, outcome }, count: 0, duration: histogramFor(upstreamDurations, upstream, { upstream }) };
        upstreamRequests.set(`${upstream}\0${target}\0${outcome}`, series);
        byOutcome.set(outcome, series);
      }
      series.count++;
      series.duration.observe(durationSec);
    },
    recordUpstreamRetry(upstream, reason) {
      upstreamRetries.inc({ upstream, reason });
    },
    recordPurge(kind, soft, count) {
      purges.inc({ kind, soft: soft ? 'true' : 'false' });
      if (count > 0) purgedEntries.inc(count);
    },
    recordUpstreamDesync(upstream, target) {
      upstreamDesyncs.inc({ upstream, target });
    },
    recordStoreError(operation) {
      storeErrors.inc({ operation });
    },
    recordPurgeNotShared() {
      purgesNotShared.inc();
    },
    setStoreRemoteUp(up) {
      storeRemoteUp.set(up ? 1 : 0);
    },
    setStoreStatsSource(fn) {
      storeStats = fn;
    },
    setUpstreamHealthSource(fn) {
      upstreamHealth = fn;
    },
    async render() {
      const text = await registry.metrics();
      return (
        text +
        renderHistogram(REQUEST_DURATION.name, REQUEST_DURATION.help, requestDurations.values()) +
        renderHistogram(UPSTREAM_DURATION.name, UPSTREAM_DURATION.help, upstreamDurations.values())
      );
    },
    async snapshot() {
      return [
        // prom-client types `type` as a numeric enum, but its JSON carries the exposition's names.
        ...((await registry.getMetricsAsJSON()) as unknown as MetricSnapshot[]),
        snapshotHistogram(REQUEST_DURATION, requestDurations.values()),
        snapshotHistogram(UPSTREAM_DURATION, upstreamDurations.values()),
      ];
    },
  };
}

function copySeries(counter: Counter<string>, series: ReadonlyMap<string, Series>): void {
  counter.reset();
  for (const { labels, count } of series.values()) counter.inc(labels, count);
}

function setTotal(counter: Counter, total: number): void {
  counter.reset();
  counter.inc(total);
}
