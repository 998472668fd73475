import { Counter, type Registry } from 'prom-client';
import type { RateLimitStoreErrorMode } from '../config/types.ts';

/** A policy's counts, plain numbers on the request path, copied into prom-client at scrape time. */
export interface PolicyCounts {
  admitted: number;
  refused: number;
  /** Checks the shared store could not answer, by what the policy did instead. */
  readonly storeErrors: Record<RateLimitStoreErrorMode, number>;
}

/**
 * `cachet_rate_limit_requests_total{policy, decision}` (admitted | refused) and
 * `cachet_rate_limit_store_errors_total{policy, fallback}` (allow | deny | local) on the gateway's registry.
 * A request on a route with two policies is counted under each.
 */
export function registerRateLimitMetrics(registry: Registry, policies: readonly string[]): ReadonlyMap<string, PolicyCounts> {
  const counts = new Map<string, PolicyCounts>();
  for (const policy of policies) counts.set(policy, { admitted: 0, refused: 0, storeErrors: { allow: 0, deny: 0, local: 0 } });
  new Counter({
    name: 'cachet_rate_limit_requests_total',
    help: 'Requests judged by a rate-limit policy, by policy and decision (admitted or refused with 429).',
    labelNames: ['policy', 'decision'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [policy, count] of counts) {
        this.inc({ policy, decision: 'admitted' }, count.admitted);
        this.inc({ policy, decision: 'refused' }, count.refused);
      }
    },
  });
  new Counter({
    name: 'cachet_rate_limit_store_errors_total',
    help: 'Rate-limit checks the shared store (Redis) could not answer, by policy and the onStoreError fallback applied.',
    labelNames: ['policy', 'fallback'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [policy, count] of counts) {
        for (const [fallback, n] of Object.entries(count.storeErrors)) if (n > 0) this.inc({ policy, fallback }, n);
      }
    },
  });
  return counts;
}
