import type { RateLimitBy, RateLimitPolicyConfig, RateLimitStoreErrorMode } from './types.ts';
import { CONFIG_DEFAULTS as D } from './schema.ts';

/** One `rateLimits` policy after the schema and the semantic checks, its window already seconds. */
export interface CheckedRateLimit {
  limit: number;
  windowSec: number;
  by: string;
  onStoreError?: RateLimitStoreErrorMode;
  localLimit?: number;
}

/**
 * The policies with every default filled in. `localLimit` defaults to the limit shared out among this
 * instance's worker processes (at least 1): one instance keeps its whole limit while the store is down.
 */
export function buildRateLimits(policies: Record<string, CheckedRateLimit>, workers: number): Record<string, RateLimitPolicyConfig> {
  const built: Record<string, RateLimitPolicyConfig> = {};
  for (const [name, policy] of Object.entries(policies)) {
    built[name] = {
      name,
      limit: policy.limit,
      windowSec: policy.windowSec,
      by: parseRateLimitBy(policy.by),
      onStoreError: policy.onStoreError ?? D.rateLimit.onStoreError,
      localLimit: policy.localLimit ?? Math.max(1, Math.floor(policy.limit / workers)),
    };
  }
  return built;
}

/** A route's `rateLimit`: one name or a list, as a list. */
export function buildRouteRateLimit(names: string | string[] | undefined): { rateLimit?: readonly string[] } {
  if (names === undefined) return {};
  return { rateLimit: typeof names === 'string' ? [names] : [...names] };
}

/** `subject`, `ip`, `header:<name>` (lower-cased, RFC 9110 §5.1), `claim:<name>`; checked by `semantic-rate-limits.ts`. */
function parseRateLimitBy(by: string): RateLimitBy {
  if (by === 'subject' || by === 'ip') return { kind: by };
  const colon = by.indexOf(':');
  const name = by.slice(colon + 1);
  return by.startsWith('header:') ? { kind: 'header', name: name.toLowerCase() } : { kind: 'claim', name };
}
