import type { UpstreamHealthCount } from './health.ts';

/** What `GET /readyz` answers: ready for traffic, or the reasons it is not. */
export interface Readiness {
  readonly ready: boolean;
  /** One line per unmet condition, e.g. `upstream api: no healthy target`; empty when ready. */
  readonly notReady: readonly string[];
}

/**
 * Ready when the listener accepts connections, no drain is under way, every upstream has at least one healthy
 * target, and, where `store.requiredForReadiness` asks for it, the shared store answers. By default the store is
 * no condition: with Redis unavailable the memory tier and the origin still answer, and every instance shares
 * the one Redis, so taking them all out of rotation would turn a degraded API into an unavailable one (`/health`
 * says `store: down` and `cachet_store_remote_up` is 0 meanwhile).
 */
export function assessReadiness(state: {
  readonly listening: boolean;
  readonly draining: boolean;
  readonly upstreams: readonly UpstreamHealthCount[];
  /** The shared store's state, when the config makes it a condition of readiness. */
  readonly requiredStore?: 'up' | 'down' | undefined;
}): Readiness {
  const notReady: string[] = [];
  if (state.draining) notReady.push('draining: shutting down');
  else if (!state.listening) notReady.push('listener: not accepting connections');
  for (const upstream of state.upstreams) if (upstream.healthy === 0) notReady.push(`upstream ${upstream.name}: no healthy target`);
  if (state.requiredStore === 'down') notReady.push('store: redis unavailable');
  return { ready: notReady.length === 0, notReady };
}
