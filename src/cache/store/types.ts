import type { EntryMeta } from '../policy/entry.ts';

/**
 * The contract every cache store keeps (memory now, Redis and tiered later). One conformance
 * suite (`test/unit/cache/store-conformance.ts`) runs against each implementation.
 *
 * Methods may answer synchronously: the memory store does, so a cache hit costs no await.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface StoredEntry {
  readonly meta: EntryMeta;
  /** The complete body; chunks are shared, never copied per reader. */
  readonly body: readonly Buffer[];
}

export type PurgeSelector = { readonly url: string } | { readonly prefix: string } | { readonly tag: string };

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
