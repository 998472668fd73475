/**
 * A stored response as the cache's rules see it (RFC 9111 §3): its fields, its precomputed freshness and what
 * its directives allow once stored. Built by `buildEntryMeta`; kept by every store beside the body.
 */

/** Stored response header fields: lower-case names, values as received (RFC 9111 §3.1). */
export type StoredHeaders = Readonly<Record<string, string | readonly string[]>>;

export interface EntryMeta {
  /** Primary cache key: `scheme://host/path?query` (see `src/cache/policy/key.ts`). */
  readonly key: string;
  /** Secondary key built from the request's values of the response's Vary fields; '' without Vary. */
  readonly variantKey: string;
  /** Lower-case field names listed in Vary, in order; empty without Vary. */
  readonly varyFields: readonly string[];
  readonly status: number;
  readonly headers: StoredHeaders;
  /** `request_time` and `response_time` of RFC 9111 §4.2.3, epoch ms. */
  readonly requestAt: number;
  readonly responseAt: number;
  /** `corrected_initial_age` of RFC 9111 §4.2.3 in seconds: current age = this + (now - responseAt) / 1000. */
  readonly initialAgeSec: number;
  /** When the response stops being fresh (epoch ms): responseAt + (freshness lifetime - initialAgeSec). */
  readonly staleAt: number;
  /** When the store may drop it: after the stale windows and the keep-for-revalidation time. */
  readonly deleteAt: number;
  /** Surrogate-Key / Cache-Tag values. */
  readonly tags: readonly string[];
  /** What the response directives allow once stored, so a hit never re-parses Cache-Control. */
  readonly policy: StoredPolicy;
  /** Body length in bytes. */
  readonly size: number;
  /**
   * Set on a stored 206 (RFC 9111 §3.3): the bytes its body holds. Such an entry is kept beside the complete
   * response of its variant (its `variantKey` carries a suffix, see `partial-content.ts`) and only answers
   * ranges it covers.
   */
  readonly partial?: PartialRange;
}

/** The range a stored partial response holds: `start` to `end` inclusive, of a representation of `completeLength` bytes. */
export interface PartialRange {
  readonly start: number;
  readonly end: number;
  readonly completeLength: number;
}

export interface StoredPolicy {
  /** Bare `no-cache`: revalidate before every use (RFC 9111 §5.2.2.4). */
  readonly noCache: boolean;
  /** `must-revalidate`, `proxy-revalidate` or `s-maxage`: never served stale (§5.2.2.2, .8, .10). */
  readonly mustRevalidate: boolean;
  /** RFC 5861 windows in seconds (0 when absent). */
  readonly staleWhileRevalidateSec: number;
  readonly staleIfErrorSec: number;
  readonly immutable: boolean;
  /** The freshness lifetime came from a heuristic (RFC 9111 §4.2.2): the route's default or Last-Modified's. */
  readonly heuristic: boolean;
  /** The route's `cache.defaultTtlSec` gave the lifetime; kept so a 304 without freshness renews it. Absent otherwise. */
  readonly defaultTtlSec?: number;
}
