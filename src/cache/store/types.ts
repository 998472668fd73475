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
  /**
   * The complete body: chunks in memory, shared and never copied per reader; or, from a tiered store, a body
   * too large for its memory tier, read from the shared tier as it is sent.
   */
  readonly body: StoredBody;
}

/** A body in process memory (`Buffer[]`) or one still held by a shared tier (`RemoteBody`). */
export type StoredBody = readonly Buffer[] | RemoteBody;

/** An entry whose body is in process memory. */
export type BufferedEntry = StoredEntryOf<readonly Buffer[]>;

export type PurgeSelector = { readonly url: string } | { readonly prefix: string } | { readonly tag: string };

export interface PurgeOptions {
  /** Mark matching entries stale (kept for stale-while-revalidate / stale-if-error) instead of deleting. */
  readonly soft: boolean;
  /** The caller's clock, used as the new `staleAt` of soft-purged entries. */
  readonly now: number;
  /**
   * Only this process' memory (a tiered store's L1): another instance already purged the shared tier and
   * announced it. Stores without a shared tier ignore it.
   */
  readonly localOnly?: boolean;
}

export interface StoreStats {
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
}

/**
 * `Entry` is what `get` answers: `StoredEntry` (the body in memory) for the memory and tiered stores,
 * `RemoteStoredEntry` (the body read on demand) for the Redis store.
 */
export interface CacheStore<Entry extends StoredEntryOf<unknown> = StoredEntry> {
  /** Every stored variant for the primary key, or undefined. Expired (past `deleteAt`) entries are not returned. */
  get(key: string, now: number): MaybePromise<readonly Entry[] | undefined>;
  /**
   * Stores a complete response, replacing the variant with the same `key` and `variantKey`. A `RemoteBody`
   * (a stored response re-stored with new fields) is copied chunk by chunk where the store keeps bodies
   * remotely, and not kept by a memory store.
   */
  put(meta: EntryMeta, body: StoredBody): MaybePromise<void>;
  /** Removes every variant of a primary key; answers how many entries went. */
  delete(key: string): MaybePromise<number>;
  /**
   * `url`: a full key or a path (`/a?b`, matched on every host); `prefix`: a key prefix or a path
   * prefix; `tag`: entries carrying that tag. Answers how many entries matched.
   */
  purge(selector: PurgeSelector, options: PurgeOptions): MaybePromise<number>;
  stats(): StoreStats;
  close(): MaybePromise<void>;
  /** Coordinates misses across the instances sharing this store; absent on a store of one process. */
  readonly fillLeases?: FillLeases;
}

/**
 * Coalescing across instances: of the instances missing one key at once, one takes a short lease and asks the
 * origin; the others wait, bounded, for it to be done, then read the store again.
 */
export interface FillLeases {
  /** Takes the lease on `key`, or waits while another instance holds it. Never rejects. */
  claim(key: string): Promise<FillClaim>;
}

export type FillClaim =
  /** This process fetches: `release` once the response is stored, or known not to be. */
  | { readonly kind: 'lead'; release(): void }
  /** Another instance held the lease and is done (released, or its lease expired): the store may hold the response. */
  | { readonly kind: 'released' }
  /** The wait ended with the lease still held, or no lease could be taken (the shared tier unavailable): go to the origin. */
  | { readonly kind: 'alone'; readonly reason: 'wait-ended' | 'unavailable' };

export interface StoredEntryOf<Body> {
  readonly meta: EntryMeta;
  readonly body: Body;
}

/**
 * A body held outside process memory (Redis), read chunk by chunk: a large body never needs one
 * contiguous buffer, and none is read before someone iterates it.
 */
export interface RemoteBody {
  /** Length in bytes. */
  readonly size: number;
  /**
   * The bytes `start` to `end` (inclusive; by default the whole body) in order, read afresh on each iteration
   * and only from the chunks that hold them; throws if the body went away mid-read (purged, expired).
   */
  read(start?: number, end?: number): AsyncIterable<Buffer>;
}

export type RemoteStoredEntry = StoredEntryOf<RemoteBody>;

/** A store whose bodies stay remote until read; it answers every call with a promise. */
export interface RemoteCacheStore extends CacheStore<RemoteStoredEntry> {
  get(key: string, now: number): Promise<readonly RemoteStoredEntry[] | undefined>;
  put(meta: EntryMeta, body: StoredBody): Promise<void>;
  delete(key: string): Promise<number>;
  purge(selector: PurgeSelector, options: PurgeOptions): Promise<number>;
  close(): Promise<void>;
}
