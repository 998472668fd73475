import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuthErrorCode } from '../errors.ts';

/**
 * How authentication ended for a request on a route that authenticates (`auth: required | optional`), the
 * `outcome` label of `cachet_auth_outcomes_total`: `verified` (a token passed every check), `anonymous` (an
 * optional route without a token), one value per refusal code, and `error` (the check itself failed).
 */
export type AuthOutcome =
  | 'verified'
  | 'anonymous'
  | 'missing'
  | 'invalid_request'
  | 'invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'too_large'
  | 'insufficient_scope'
  | 'claim_mismatch'
  | 'unavailable'
  | 'error';

/** Every refusal code has its label value: a new code fails to compile until it is given one. */
const OUTCOME_OF_CODE: Readonly<Record<AuthErrorCode, AuthOutcome>> = {
  CACHET_ERR_AUTH_MISSING: 'missing',
  CACHET_ERR_AUTH_INVALID_REQUEST: 'invalid_request',
  CACHET_ERR_AUTH_INVALID_TOKEN: 'invalid',
  CACHET_ERR_AUTH_EXPIRED: 'expired',
  CACHET_ERR_AUTH_NOT_YET_VALID: 'not_yet_valid',
  CACHET_ERR_AUTH_REVOKED: 'revoked',
  CACHET_ERR_AUTH_TOO_LARGE: 'too_large',
  CACHET_ERR_AUTH_INSUFFICIENT_SCOPE: 'insufficient_scope',
  CACHET_ERR_AUTH_CLAIM_MISMATCH: 'claim_mismatch',
  CACHET_ERR_AUTH_UNAVAILABLE: 'unavailable',
};

/** The `outcome` label of an authentication result: its refusal code's, `verified` or `anonymous`. */
export function authOutcomeOf(
  result: { readonly ok: true; readonly identity: unknown } | { readonly ok: false; readonly code: AuthErrorCode },
): AuthOutcome {
  if (!result.ok) return OUTCOME_OF_CODE[result.code];
  return result.identity === undefined ? 'anonymous' : 'verified';
}

/** Plain numbers the request path bumps; prom-client reads them at scrape time (no label hashing per request). */
export interface TrafficCounts {
  inFlight: number;
  /** Response body bytes written to clients from storage (`hit`, `stale`). */
  cacheBytes: number;
  /** Response body bytes written to clients of every other answer (forwarded, fetched, failed). */
  upstreamBytes: number;
  readonly authOutcomes: Map<AuthOutcome, number>;
}

/**
 * `cachet_requests_in_flight`, `cachet_bytes_served_total{source}`, `cachet_cache_bytes_saved_total` and
 * `cachet_auth_outcomes_total{outcome}` on `registry`, read from the returned counts.
 */
export function registerTrafficMetrics(registry: Registry): TrafficCounts {
  const counts: TrafficCounts = { inFlight: 0, cacheBytes: 0, upstreamBytes: 0, authOutcomes: new Map() };
  new Gauge({
    name: 'cachet_requests_in_flight',
    help: 'Requests received and not yet answered in full (or given up by their client), refusals included.',
    registers: [registry],
    collect() {
      this.set(counts.inFlight);
    },
  });
  new Counter({
    name: 'cachet_bytes_served_total',
    help: 'Response body bytes written to clients, by source: cache (hit or stale) or upstream (every other answer of a routed request).',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ source: 'cache' }, counts.cacheBytes);
      this.inc({ source: 'upstream' }, counts.upstreamBytes);
    },
  });
  new Counter({
    name: 'cachet_cache_bytes_saved_total',
    help: 'Response body bytes served from storage that the origin did not send: the bytes actually written for hit and stale answers (a 304 or HEAD answered from the cache saves none, since a forwarded one carries no body either).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counts.cacheBytes);
    },
  });
  new Counter({
    name: 'cachet_auth_outcomes_total',
    help: 'Authentication results on routes that authenticate: verified, anonymous (optional route, no token), each refusal reason, or error.',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of counts.authOutcomes) this.inc({ outcome }, count);
    },
  });
  return counts;
}
