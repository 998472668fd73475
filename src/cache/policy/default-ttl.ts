import type { HeaderMap } from './headers.ts';
import type { ResponseDirectives } from './directives.ts';

/**
 * Whether a route's `cache.defaultTtlSec` may give a response the freshness lifetime it does not state. It is
 * a heuristic lifetime in RFC 9111 §4.2.2 terms, so `computeFreshnessLifetime` uses it only without explicit
 * freshness (s-maxage, max-age, Expires, in the field the cache obeys) and only for heuristically cacheable
 * statuses or `public`. On top of that, never:
 * - for `private` or `no-store` (RFC 9111 §5.2.2.5, §5.2.2.7), even where `must-understand` lets one be stored;
 * - for an answer to a request with credentials (Authorization, a verified token, or a Cookie) unless the
 *   origin marked it `public` (§3.5: its answer may be meant for that user alone);
 * - for a response that sets a cookie: replaying Set-Cookie to other clients would hand them a session.
 * Answers the lifetime to use, or undefined.
 */
export function selectDefaultTtl(
  defaultTtlSec: number | undefined,
  credentialed: boolean,
  directives: ResponseDirectives,
  headers: HeaderMap,
): number | undefined {
  if (defaultTtlSec === undefined) return undefined;
  if (directives.private || directives.noStore) return undefined;
  if (credentialed && !directives.public) return undefined;
  if (headers['set-cookie'] !== undefined) return undefined;
  return defaultTtlSec;
}
