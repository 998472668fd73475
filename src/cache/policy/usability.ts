import type { EntryMeta, StoredPolicy } from './entry.ts';
import type { RequestDirectives, ResponseDirectives } from './directives.ts';

export type RevalidateReason = 'stale' | 'request-no-cache' | 'no-cache' | 'request-max-age' | 'request-min-fresh';

/** How a stored response may answer a request; `ttlSec` is lifetime minus current age (negative when stale). */
export type Usability =
  /** Serve as is. */
  | { kind: 'fresh'; ageSec: number; ttlSec: number }
  /** Serve now and revalidate in the background (RFC 5861 §3). */
  | { kind: 'stale-while-revalidate'; ageSec: number; ttlSec: number }
  /** The request's max-stale covers it (RFC 9111 §5.2.1.2); no revalidation needed. */
  | { kind: 'stale-allowed'; ageSec: number; ttlSec: number }
  /** Ask the origin first; `staleIfErrorUsable`: the stored response may answer if the origin fails. */
  | { kind: 'revalidate'; ageSec: number; ttlSec: number; staleIfErrorUsable: boolean; reason: RevalidateReason };

/**
 * `current_age` of RFC 9111 §4.2.3 in seconds: corrected_initial_age + resident_time (never negative, even
 * if the clock went back).
 */
export function computeCurrentAge(meta: EntryMeta, now: number): number {
  return meta.initialAgeSec + Math.max(0, now - meta.responseAt) / 1000;
}

/**
 * Decides whether a stored response answers a request (RFC 9111 §4, §4.2.4, §5.2.1; RFC 5861; RFC 8246):
 * 1. request no-cache or stored no-cache: revalidate;
 * 2. request max-age below the current age, or max-age=0 at any age: revalidate (a fresh `immutable`
 *    response ignores it, as a reload's max-age=0 is what RFC 8246 §1 exempts);
 * 3. fresh: serve, unless the request's min-fresh exceeds the remaining lifetime;
 * 4. stale and must-revalidate (incl. proxy-revalidate, s-maxage): revalidate, nothing stale may be served;
 * 5. stale within the request's max-stale: serve; within stale-while-revalidate: serve and revalidate;
 * 6. otherwise revalidate, with stale-if-error deciding whether an origin failure may be answered stale.
 */
export function evaluateUsability(meta: EntryMeta, request: RequestDirectives, now: number): Usability {
  const ageSec = computeCurrentAge(meta, now);
  const ttlSec = (meta.staleAt - Math.max(now, meta.responseAt)) / 1000;
  const policy = meta.policy;
  if (request.noCache) return revalidate(meta, request, now, ageSec, ttlSec, 'request-no-cache');
  if (policy.noCache) return revalidate(meta, request, now, ageSec, ttlSec, 'no-cache');
  const isFresh = ttlSec > 0;
  if (request.maxAge !== undefined && isTooOldFor(request.maxAge, ageSec) && !(isFresh && policy.immutable)) {
    return revalidate(meta, request, now, ageSec, ttlSec, 'request-max-age');
  }
  if (isFresh) {
    if (request.minFresh !== undefined && ttlSec < request.minFresh)
      return revalidate(meta, request, now, ageSec, ttlSec, 'request-min-fresh');
    return { kind: 'fresh', ageSec, ttlSec };
  }
  if (policy.mustRevalidate) return { kind: 'revalidate', ageSec, ttlSec, staleIfErrorUsable: false, reason: 'stale' };
  const stalenessSec = -ttlSec;
  if (request.maxStale !== undefined && stalenessSec <= request.maxStale) return { kind: 'stale-allowed', ageSec, ttlSec };
  if (policy.staleWhileRevalidateSec > 0 && stalenessSec <= policy.staleWhileRevalidateSec)
    return { kind: 'stale-while-revalidate', ageSec, ttlSec };
  return revalidate(meta, request, now, ageSec, ttlSec, 'stale');
}

/**
 * Whether the stored response may answer when the origin cannot (RFC 5861 §4): within the response's or
 * the request's stale-if-error window, and never under no-cache or must-revalidate (RFC 9111 §4.2.4).
 */
export function canServeStaleOnError(meta: EntryMeta, request: RequestDirectives, now: number): boolean {
  const policy = meta.policy;
  if (policy.noCache || policy.mustRevalidate) return false;
  const windowSec = Math.max(policy.staleIfErrorSec, request.staleIfError ?? 0);
  if (windowSec <= 0) return false;
  const stalenessSec = (Math.max(now, meta.responseAt) - meta.staleAt) / 1000;
  return stalenessSec <= windowSec;
}

/**
 * What a stored response keeps of its directives (`StoredPolicy` in ./entry.ts). In a shared
 * cache s-maxage and proxy-revalidate imply must-revalidate (RFC 9111 §5.2.2.8, §5.2.2.10).
 */
export function buildStoredPolicy(directives: ResponseDirectives, heuristic: boolean, defaultTtlSec?: number): StoredPolicy {
  const policy: { -readonly [K in keyof StoredPolicy]: StoredPolicy[K] } = {
    noCache: directives.noCache,
    mustRevalidate: directives.mustRevalidate || directives.proxyRevalidate || directives.sMaxAge !== undefined,
    staleWhileRevalidateSec: directives.staleWhileRevalidate ?? 0,
    staleIfErrorSec: directives.staleIfError ?? 0,
    immutable: directives.immutable,
    heuristic,
  };
  // Only entries stored under a route default carry the field, so others look (and serialise) as they always did.
  if (defaultTtlSec !== undefined) policy.defaultTtlSec = defaultTtlSec;
  return Object.freeze(policy);
}

/**
 * RFC 9111 §5.2.1.1: the client accepts an age up to `maxAgeSec`. A stored response is never age 0 once
 * reused (time passed since it arrived, even within the same millisecond), so max-age=0 always means
 * "validate first": the reload semantics clients send it for.
 */
function isTooOldFor(maxAgeSec: number, ageSec: number): boolean {
  return maxAgeSec === 0 || ageSec > maxAgeSec;
}

function revalidate(
  meta: EntryMeta,
  request: RequestDirectives,
  now: number,
  ageSec: number,
  ttlSec: number,
  reason: RevalidateReason,
): Usability {
  return { kind: 'revalidate', ageSec, ttlSec, staleIfErrorUsable: canServeStaleOnError(meta, request, now), reason };
}
