import type { UpstreamHealthCount } from './health.ts';

/** What `GET /readyz` answers: ready for traffic, or the reasons it is not. */
export interface Readiness {
  readonly ready: boolean;
  /** One line per unmet condition, e.g. `upstream api: no healthy target`; empty when ready. */
  readonly notReady: readonly string[];
}

/**
 * Ready when the listener accepts connections, no drain is under way, and every upstream has at least one
 * healthy target. The store is no condition: with Redis unavailable the memory tier and the origin still
 * answer, so the instance keeps taking traffic (its `/health` and metrics show the store errors).
 */
export function assessReadiness(state: {
  readonly listening: boolean;
  readonly draining: boolean;
  readonly upstreams: readonly UpstreamHealthCount[];
}): Readiness {
  const notReady: string[] = [];
  if (state.draining) notReady.push('draining: shutting down');
  else if (!state.listening) notReady.push('listener: not accepting connections');
  for (const upstream of state.upstreams) if (upstream.healthy === 0) notReady.push(`upstream ${upstream.name}: no healthy target`);
  return { ready: notReady.length === 0, notReady };
}
