import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricSnapshot, MetricsSnapshot } from './metrics.ts';

const HIT_RATIO = 'cachet_cache_hit_ratio';
const HITS = 'cachet_cache_hits_total';
const MISSES = 'cachet_cache_misses_total';

/**
 * One Prometheus exposition for several processes (a supervisor and its workers), with prom-client's
 * `AggregatorRegistry.aggregate`: series with the same name and labels are combined by each metric's
 * aggregator. Counters and histograms (bucket by bucket) are summed, so are store sizes; target health
 * takes the minimum; process metrics use prom-client's own choices. The hit ratio is a ratio, so it is
 * computed again from the summed hits and misses.
 */
export function renderAggregate(snapshots: readonly MetricsSnapshot[]): Promise<string> {
  return aggregate(snapshots).metrics();
}

/** The same aggregate as data (what `GET /stats` reads). */
export async function snapshotAggregate(snapshots: readonly MetricsSnapshot[]): Promise<MetricsSnapshot> {
  // prom-client types `type` as a numeric enum, but its JSON carries the exposition's names.
  return (await aggregate(snapshots).getMetricsAsJSON()) as unknown as MetricsSnapshot;
}

function aggregate(snapshots: readonly MetricsSnapshot[]): Registry {
  const hits = sumOf(snapshots, HITS);
  const lookups = hits + sumOf(snapshots, MISSES);
  const ratio: MetricSnapshot['values'] = [{ labels: {}, value: lookups === 0 ? 0 : hits / lookups }];
  const combined = snapshots.map((snapshot) =>
    snapshot.map((metric) => (metric.name === HIT_RATIO ? { ...metric, aggregator: 'first' as const, values: ratio } : metric)),
  );
  return AggregatorRegistry.aggregate(combined);
}

function sumOf(snapshots: readonly MetricsSnapshot[], name: string): number {
  let total = 0;
  for (const snapshot of snapshots)
    for (const metric of snapshot) if (metric.name === name) for (const { value } of metric.values) total += value;
  return total;
}
