import type { HeaderMap, HeaderValue } from './headers.ts';
import { readFirstLine } from './headers.ts';
import type { ResponseDirectives } from './directives.ts';
import { MAX_DELTA_SECONDS, parseDeltaSeconds } from './directives.ts';
import { parseHttpDate } from './http-date.ts';

export interface FreshnessOptions {
  /** Share of (Date - Last-Modified) used as heuristic lifetime (RFC 9111 §4.2.2 suggests 0.1). */
  readonly heuristicFraction: number;
  readonly heuristicMaxSec: number;
}

export interface FreshnessLifetime {
  readonly lifetimeSec: number;
  /** No explicit expiration: the lifetime is a §4.2.2 heuristic (the route's default, or Last-Modified's; possibly 0). */
  readonly heuristic: boolean;
}

/** RFC 9110 §15.1: status codes defined as heuristically cacheable. */
const HEURISTICALLY_CACHEABLE: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

const NO_LIFETIME: FreshnessLifetime = Object.freeze({ lifetimeSec: 0, heuristic: false });

/** RFC 9110 §15.1: the status allows a heuristic lifetime without explicit freshness. */
export function isHeuristicallyCacheable(status: number): boolean {
  return HEURISTICALLY_CACHEABLE.has(status);
}

/**
 * Freshness lifetime for a shared cache (RFC 9111 §4.2.1), first match of: s-maxage; max-age; Expires minus
 * Date (Date absent or invalid: the response time; Expires invalid, e.g. "0": already expired; first field
 * line when repeated; ignored under an RFC 9213 targeted field); else the §4.2.2 heuristic, only for
 * heuristically cacheable statuses or `public`: the route's `defaultTtlSec` when one applies (see
 * `selectDefaultTtl`), otherwise `heuristicFraction` of (Date - Last-Modified), capped.
 */
export function computeFreshnessLifetime(
  status: number,
  directives: ResponseDirectives,
  headers: HeaderMap,
  responseAt: number,
  options: FreshnessOptions,
  defaultTtlSec?: number,
): FreshnessLifetime {
  if (directives.sMaxAge !== undefined) return { lifetimeSec: directives.sMaxAge, heuristic: false };
  if (directives.maxAge !== undefined) return { lifetimeSec: directives.maxAge, heuristic: false };
  const dateAt = parseHttpDate(readFirstLine(headers['date'])) ?? responseAt;
  if (!directives.targeted) {
    const expires = readFirstLine(headers['expires']);
    if (expires !== undefined) {
      const expiresAt = parseHttpDate(expires);
      if (expiresAt === undefined || expiresAt <= dateAt) return NO_LIFETIME;
      return { lifetimeSec: Math.min(MAX_DELTA_SECONDS, (expiresAt - dateAt) / 1000), heuristic: false };
    }
  }
  if (!isHeuristicallyCacheable(status) && !directives.public) return NO_LIFETIME;
  // The operator's lifetime for this route stands in for the Last-Modified guess: both are heuristics (§4.2.2).
  if (defaultTtlSec !== undefined) return { lifetimeSec: defaultTtlSec, heuristic: true };
  const lastModifiedAt = parseHttpDate(readFirstLine(headers['last-modified']));
  if (lastModifiedAt === undefined || lastModifiedAt >= dateAt) return { lifetimeSec: 0, heuristic: true };
  const heuristicSec = Math.floor((options.heuristicFraction * (dateAt - lastModifiedAt)) / 1000);
  return { lifetimeSec: Math.max(0, Math.min(options.heuristicMaxSec, heuristicSec)), heuristic: true };
}

/**
 * `corrected_initial_age` of RFC 9111 §4.2.3 in seconds:
 * max(apparent_age, age_value + response_delay), clamped to 2^31 (§1.2.2). An invalid Age counts as 0 here
 * ("age_value ... or 0, if not available"); `hasInvalidAge` makes such a response stale instead.
 */
export function computeInitialAge(headers: HeaderMap, requestAt: number, responseAt: number): number {
  const ageValue = parseAge(headers['age']) ?? 0;
  const dateAt = parseHttpDate(readFirstLine(headers['date']));
  const apparentAge = dateAt === undefined ? 0 : Math.max(0, (responseAt - dateAt) / 1000);
  const responseDelay = Math.max(0, (responseAt - requestAt) / 1000);
  return Math.min(MAX_DELTA_SECONDS, Math.max(apparentAge, ageValue + responseDelay));
}

/**
 * The Age field (RFC 9111 §5.1): the first field line, which must be delta-seconds as a whole; undefined when
 * absent or invalid (`-1`, `1.5`, `abc`, `1; foo=bar`, and a list such as `0, 7200`, which §5.1 names as
 * invalid). Values past 2^31 clamp (§1.2.2).
 */
export function parseAge(value: HeaderValue): number | undefined {
  const line = readFirstLine(value);
  return line === undefined ? undefined : parseDeltaSeconds(line.trim());
}

/** RFC 9111 §5.1: an Age field whose first line is not delta-seconds makes the response stale. */
export function hasInvalidAge(headers: HeaderMap): boolean {
  const value = headers['age'];
  return value !== undefined && parseAge(value) === undefined;
}
