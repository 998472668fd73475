import type { MetricsSnapshot, SnapshotValue } from '../observability/metrics.ts';
import type { AdminHealth } from './health.ts';
import type { PurgeRecord } from './recent-purges.ts';

/**
 * What `GET /stats` answers: the dashboard's data, totals since start. The page turns consecutive answers into
 * rates and recent latency percentiles, so the server keeps no per-viewer state.
 */
export interface DashboardStats {
  /** Epoch milliseconds of the snapshot. */
  readonly at: number;
  readonly requests: {
    readonly total: number;
    /** Responses by status code (`"200"`, `"404"`, ...). */
    readonly byStatus: Readonly<Record<string, number>>;
    /** Responses by Cache-Status outcome (`hit`, `miss`, `bypass`, ...). */
    readonly byCache: Readonly<Record<string, number>>;
  };
  readonly cache: {
    /** Cacheable lookups answered from storage (hit or stale). */
    readonly hits: number;
    /** Cacheable lookups that needed the origin (miss or revalidated). */
    readonly misses: number;
    /** hits / (hits + misses); null before any lookup. */
    readonly hitRatio: number | null;
    readonly entries: number | null;
    readonly bytes: number | null;
  };
  /** The request-duration histogram over every route: `cumulative[i]` responses took at most `bucketsSec[i]`; the last entry counts all. */
  readonly latency: { readonly bucketsSec: readonly number[]; readonly cumulative: readonly number[]; readonly sumSec: number };
  /** Null where the gateway does not count them. */
  readonly bytes: { readonly served: number | null; readonly saved: number | null };
  readonly health: AdminHealth;
  readonly purges: readonly PurgeRecord[];
}

const DURATION = 'cachet_request_duration_seconds';

/**
 * Reduces a metrics snapshot (one gateway's, or every worker's aggregated) to the dashboard's numbers. Metrics
 * are looked up by name, so one this build does not have reads as null instead of failing.
 */
export function summarizeStats(input: {
  readonly snapshot: MetricsSnapshot;
  readonly health: AdminHealth;
  readonly purges: readonly PurgeRecord[];
  readonly at: number;
}): DashboardStats {
  const byName = new Map(input.snapshot.map((metric) => [metric.name, metric.values]));
  const total = (name: string): number | null => {
    const values = byName.get(name);
    return values === undefined ? null : sumValues(values);
  };
  const requests = byName.get('cachet_requests_total') ?? [];
  const hits = total('cachet_cache_hits_total') ?? 0;
  const misses = total('cachet_cache_misses_total') ?? 0;
  return {
    at: input.at,
    requests: { total: sumValues(requests), byStatus: sumBy(requests, 'status'), byCache: sumBy(requests, 'cache') },
    cache: {
      hits,
      misses,
      hitRatio: hits + misses === 0 ? null : hits / (hits + misses),
      entries: total('cachet_store_entries'),
      bytes: total('cachet_store_bytes'),
    },
    latency: summarizeDuration(byName.get(DURATION) ?? []),
    bytes: { served: total('cachet_bytes_served_total'), saved: total('cachet_cache_bytes_saved_total') },
    // Copied field by field, like `/health`, so no target URL leaves the gateway.
    health: {
      status: input.health.status,
      upstreams: input.health.upstreams.map((u) => ({ name: u.name, healthy: u.healthy, total: u.total })),
    },
    purges: input.purges,
  };
}

function sumValues(values: readonly SnapshotValue[]): number {
  let total = 0;
  for (const { value } of values) total += value;
  return total;
}

function sumBy(values: readonly SnapshotValue[], label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const { labels, value } of values) {
    const key = String(labels[label] ?? '');
    sums[key] = (sums[key] ?? 0) + value;
  }
  return sums;
}

/** Adds up every series' buckets by upper bound (`le`), the `+Inf` bucket last. */
function summarizeDuration(values: readonly SnapshotValue[]): DashboardStats['latency'] {
  const byBound = new Map<number, number>();
  let all = 0;
  let sumSec = 0;
  for (const { labels, value, metricName } of values) {
    if (metricName === `${DURATION}_sum`) sumSec += value;
    if (metricName !== `${DURATION}_bucket`) continue;
    const bound = labels['le'];
    if (bound === '+Inf') all += value;
    else byBound.set(Number(bound), (byBound.get(Number(bound)) ?? 0) + value);
  }
  const bucketsSec = [...byBound.keys()].sort((a, b) => a - b);
  return { bucketsSec, cumulative: [...bucketsSec.map((bound) => byBound.get(bound) as number), all], sumSec };
}
