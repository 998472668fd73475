/** What `GET /health` answers: an overall status and, per upstream, how many targets are healthy. */
export interface AdminHealth {
  readonly status: 'ok' | 'degraded' | 'down';
  readonly upstreams: ReadonlyArray<UpstreamHealthCount>;
}

export interface UpstreamHealthCount {
  readonly name: string;
  readonly healthy: number;
  readonly total: number;
}

/** `down` when an upstream has no healthy target, `degraded` when one has fewer than all, else `ok`. */
export function summarizeHealth(upstreams: readonly UpstreamHealthCount[]): AdminHealth {
  const down = upstreams.some((u) => u.healthy === 0);
  const degraded = upstreams.some((u) => u.healthy < u.total);
  return { status: down ? 'down' : degraded ? 'degraded' : 'ok', upstreams };
}

/**
 * One health answer for the workers of an instance. Each worker checks the targets on its own, so a target
 * counts as healthy only where every worker finds it so. A worker that did not answer (exited, being
 * replaced) makes the instance `degraded`; none answering makes it `down`.
 */
export function mergeWorkerHealth(reports: readonly AdminHealth[], workers: number): AdminHealth {
  const [first] = reports;
  if (first === undefined) return { status: 'down', upstreams: [] };
  const upstreams = first.upstreams.map((upstream) => {
    let healthy = upstream.healthy;
    for (const report of reports) healthy = Math.min(healthy, report.upstreams.find((u) => u.name === upstream.name)?.healthy ?? 0);
    return { name: upstream.name, healthy, total: upstream.total };
  });
  const merged = summarizeHealth(upstreams);
  return merged.status === 'ok' && reports.length < workers ? { ...merged, status: 'degraded' } : merged;
}
