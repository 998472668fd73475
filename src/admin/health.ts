/** What `GET /health` answers: an overall status, per upstream how many targets are healthy, and the shared store's state. */
export interface AdminHealth {
  readonly status: 'ok' | 'degraded' | 'down';
  readonly upstreams: ReadonlyArray<UpstreamHealthCount>;
  /** With a Redis store: `up` while it answers, `down` while its circuit is open. Absent with the memory store. */
  readonly store?: 'up' | 'down';
}

export interface UpstreamHealthCount {
  readonly name: string;
  readonly healthy: number;
  readonly total: number;
}

/**
 * `down` when an upstream has no healthy target, `degraded` when one has fewer than all or the shared store is
 * down (the memory tier and the upstreams still answer), else `ok`.
 */
export function summarizeHealth(upstreams: readonly UpstreamHealthCount[], store?: 'up' | 'down'): AdminHealth {
  const down = upstreams.some((u) => u.healthy === 0);
  const degraded = store === 'down' || upstreams.some((u) => u.healthy < u.total);
  const status = down ? 'down' : degraded ? 'degraded' : 'ok';
  return store === undefined ? { status, upstreams } : { status, upstreams, store };
}

/**
 * One health answer for the workers of an instance. Each worker checks the targets on its own, so a target
 * counts as healthy only where every worker finds it so. A worker that did not answer (exited, being
 * replaced) makes the instance `degraded`; none answering makes it `down`. The store is `down` where any
 * worker finds it so.
 */
export function mergeWorkerHealth(reports: readonly AdminHealth[], workers: number): AdminHealth {
  const [first] = reports;
  if (first === undefined) return { status: 'down', upstreams: [] };
  const upstreams = first.upstreams.map((upstream) => {
    let healthy = upstream.healthy;
    for (const report of reports) healthy = Math.min(healthy, report.upstreams.find((u) => u.name === upstream.name)?.healthy ?? 0);
    return { name: upstream.name, healthy, total: upstream.total };
  });
  const stores = reports.map((report) => report.store).filter((store) => store !== undefined);
  const store = stores.length === 0 ? undefined : stores.includes('down') ? 'down' : 'up';
  const merged = summarizeHealth(upstreams, store);
  return merged.status === 'ok' && reports.length < workers ? { ...merged, status: 'degraded' } : merged;
}
