/** What a simulated device asked for. */
export type RequestKind = 'token' | 'definitions' | 'threat-list' | 'threat';

export const REQUEST_KINDS: readonly RequestKind[] = ['token', 'definitions', 'threat-list', 'threat'];

/** How cachet answered, read from `Cache-Status` (RFC 9211 §2). */
export type CacheOutcome = 'hit' | 'stale' | 'collapsed' | 'miss' | 'revalidated' | 'pass' | 'none';

/** One response as the device saw it. */
export interface Sample {
  readonly kind: RequestKind;
  readonly status: number;
  readonly outcome: CacheOutcome;
  /** `X-Origin-Instance` of a response that went forward to an origin; hits carry the stored one and are not counted. */
  readonly originInstance: string | undefined;
  readonly latencyMs: number;
  /** Status line, header fields and body as received. */
  readonly bytes: number;
  /** What the same answer would have cost without a cache or conditional requests: a full 200 every time. */
  readonly bytesWithoutCache: number;
}

/**
 * Classifies a `Cache-Status` member the way cachet's metrics do: `hit` (fresh from storage), `stale`
 * (served stale, RFC 5861), `collapsed` (joined another request's fetch, RFC 9211 §2.6: no origin
 * request of its own, so cachet counts it as a hit), `miss` (went forward, RFC 9211 §2.2 `uri-miss`/`miss`/`vary-miss`),
 * `revalidated` (`fwd=stale`: a stored response was validated), `pass` (never a cache lookup:
 * `bypass`, `method`, `request`), `none` (no field).
 */
export function classifyCacheStatus(field: string | undefined): CacheOutcome {
  if (field === undefined || field === '') return 'none';
  // A field may list several caches (RFC 9211 §2); the last member is the one closest to the client.
  const member = field.split(',').at(-1) ?? '';
  const params = member.split(';').map((part) => part.trim());
  if (params.includes('hit')) return params.some((p) => p.startsWith('ttl=-')) ? 'stale' : 'hit';
  if (params.includes('collapsed')) return 'collapsed';
  const fwd = params.find((p) => p.startsWith('fwd='))?.slice(4);
  if (fwd === 'stale') return 'revalidated';
  if (fwd === 'uri-miss' || fwd === 'miss' || fwd === 'vary-miss' || fwd === 'partial') return 'miss';
  return 'pass';
}

export interface KindSummary {
  readonly requests: number;
  readonly hits: number;
  readonly lookups: number;
  readonly notModified: number;
  /** Bytes of the 304 responses alone. */
  readonly notModifiedBytes: number;
  readonly fullResponses: number;
  readonly errors: number;
  readonly bytes: number;
  readonly bytesWithoutCache: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LoadSummary {
  readonly total: KindSummary;
  readonly byKind: Readonly<Record<RequestKind, KindSummary>>;
  /** Responses that went forward, by the origin instance that answered. */
  readonly originInstances: Readonly<Record<string, number>>;
  /** Status codes seen, with counts. */
  readonly statuses: Readonly<Record<string, number>>;
}

/** Collects samples; `summarize` is pure over what was recorded. */
export interface LoadStats {
  record(sample: Sample): void;
  readonly completed: number;
  /** Hits (fresh, stale or collapsed) over cache lookups so far; 0 before any. */
  hitRatio(): number;
  summarize(): LoadSummary;
}

export function createLoadStats(): LoadStats {
  const samples: Sample[] = [];
  let hits = 0;
  let lookups = 0;
  return {
    record(sample) {
      samples.push(sample);
      if (isLookup(sample.outcome)) lookups++;
      if (isHit(sample.outcome)) hits++;
    },
    get completed() {
      return samples.length;
    },
    hitRatio: () => (lookups === 0 ? 0 : hits / lookups),
    summarize: () => summarizeSamples(samples),
  };
}

/** Totals, per-kind figures and latency percentiles (nearest rank) of a set of samples. */
export function summarizeSamples(samples: readonly Sample[]): LoadSummary {
  const byKind = {} as Record<RequestKind, KindSummary>;
  for (const kind of REQUEST_KINDS) byKind[kind] = summarizeKind(samples.filter((s) => s.kind === kind));
  const originInstances: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  for (const sample of samples) {
    statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
    if (sample.originInstance !== undefined && !isHit(sample.outcome)) {
      originInstances[sample.originInstance] = (originInstances[sample.originInstance] ?? 0) + 1;
    }
  }
  return { total: summarizeKind(samples), byKind, originInstances, statuses };
}

/**
 * The value below which `fraction` of the sorted values fall (nearest-rank method); 0 for none.
 *
 * @example percentile([1, 2, 3, 4], 0.5) // 2
 */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

function summarizeKind(samples: readonly Sample[]): KindSummary {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  let hits = 0,
    lookups = 0,
    notModified = 0,
    notModifiedBytes = 0,
    fullResponses = 0,
    errors = 0,
    bytes = 0,
    bytesWithoutCache = 0;
  for (const sample of samples) {
    if (isLookup(sample.outcome)) lookups++;
    if (isHit(sample.outcome)) hits++;
    if (sample.status === 304) {
      notModified++;
      notModifiedBytes += sample.bytes;
    } else if (sample.status === 200) fullResponses++;
    if (sample.status === 0 || sample.status >= 400) errors++;
    bytes += sample.bytes;
    bytesWithoutCache += sample.bytesWithoutCache;
  }
  return {
    requests: samples.length,
    hits,
    lookups,
    notModified,
    notModifiedBytes,
    fullResponses,
    errors,
    bytes,
    bytesWithoutCache,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

function isLookup(outcome: CacheOutcome): boolean {
  return isHit(outcome) || outcome === 'miss' || outcome === 'revalidated';
}

function isHit(outcome: CacheOutcome): boolean {
  return outcome === 'hit' || outcome === 'stale' || outcome === 'collapsed';
}
