/**
 * The contract every cache store keeps (memory now, Redis and tiered later). One conformance
 * suite (`test/unit/cache/store-conformance.ts`) runs against each implementation.
 *
 * Methods may answer synchronously: the memory store does, so a cache hit costs no await.
 */
export type MaybePromise<T> = T | Promise<T>;

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
  /** The freshness lifetime came from the Last-Modified heuristic (RFC 9111 §4.2.2). */
  readonly heuristic: boolean;
}

export interface StoredEntry {
  readonly meta: EntryMeta;
  /** The complete body; chunks are shared, never copied per reader. */
  readonly body: readonly Buffer[];
}

export type PurgeSelector =
  | { readonly url: string }
  | { readonly prefix: string }
  | { readonly tag: string };

export interface PurgeOptions {
  /** Mark matching entries stale (kept for stale-while-revalidate / stale-if-error) instead of deleting. */
  readonly soft: boolean;
  /** The caller's clock, used as the new `staleAt` of soft-purged entries. */
  readonly now: number;
}

export interface StoreStats {
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
}

export interface CacheStore {
  /** Every stored variant for the primary key, or undefined. Expired (past `deleteAt`) entries are not returned. */
  get(key: string, now: number): MaybePromise<readonly StoredEntry[] | undefined>;
  /** Stores a complete response, replacing the variant with the same `key` and `variantKey`. */
  put(meta: EntryMeta, body: readonly Buffer[]): MaybePromise<void>;
  /** Removes every variant of a primary key; answers how many entries went. */
  delete(key: string): MaybePromise<number>;
  /**
   * `url`: a full key or a path (`/a?b`, matched on every host); `prefix`: a key prefix or a path
   * prefix; `tag`: entries carrying that tag. Answers how many entries matched.
   */
  purge(selector: PurgeSelector, options: PurgeOptions): MaybePromise<number>;
  stats(): StoreStats;
  close(): MaybePromise<void>;
}
