/** The few numbers the load report reads from cachet's Prometheus text (`GET /metrics` on the admin listener). */
export interface GatewayCounters {
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Requests cachet sent to each target of the `api` upstream, by target URL. */
  readonly upstreamRequests: Readonly<Record<string, number>>;
  readonly coalesced: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads cachet's counters from Prometheus text exposition format: samples are
 * `name{label="value",...} number`; `#` lines are comments.
 */
export function parseGatewayCounters(text: string, upstream = 'api'): GatewayCounters {
  let cacheHits = 0;
  let cacheMisses = 0;
  let coalesced = 0;
  const upstreamRequests: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const [, name, labelText, valueText] = match;
    const value = Number(valueText);
    if (!Number.isFinite(value)) continue;
    if (name === 'cachet_cache_hits_total') cacheHits = value;
    else if (name === 'cachet_cache_misses_total') cacheMisses = value;
    else if (name === 'cachet_coalesced_requests_total') coalesced = value;
    else if (name === 'cachet_upstream_requests_total') {
      const labels = parseLabels(labelText ?? '');
      const target = labels['target'];
      if (labels['upstream'] !== upstream || target === undefined) continue;
      upstreamRequests[target] = (upstreamRequests[target] ?? 0) + value;
    }
  }
  return { cacheHits, cacheMisses, upstreamRequests, coalesced };
}

/** What happened between two scrapes (counters only grow while cachet runs). */
export function subtractCounters(after: GatewayCounters, before: GatewayCounters): GatewayCounters {
  const upstreamRequests: Record<string, number> = {};
  for (const [target, count] of Object.entries(after.upstreamRequests)) {
    upstreamRequests[target] = count - (before.upstreamRequests[target] ?? 0);
  }
  return {
    cacheHits: after.cacheHits - before.cacheHits,
    cacheMisses: after.cacheMisses - before.cacheMisses,
    upstreamRequests,
    coalesced: after.coalesced - before.coalesced,
  };
}

/** Fetches and parses cachet's metrics; `undefined` when the admin API cannot be read (the report says so). */
export async function fetchGatewayCounters(adminUrl: string, adminToken: string): Promise<GatewayCounters | undefined> {
  try {
    const res = await fetch(`${adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return undefined;
    return parseGatewayCounters(await res.text());
  } catch {
    return undefined;
  }
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(LABEL)) {
    const [, name, value] = match;
    if (name !== undefined && value !== undefined) labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}
