import { sharedKeyOf } from '../policy/key.ts';
import { LRUCache } from 'lru-cache';
import { CachetError } from '../../errors.ts';
import { estimateEntryBytes, measureBodyBytes } from './entry-size.ts';
import { createKeyPredicate, isPathSelector } from './selector.ts';
import { createTagIndex } from './tag-index.ts';
import type { CacheStore, PurgeOptions, PurgeSelector, StoredEntry, StoreStats } from './types.ts';
import type { EntryMeta } from '../policy/entry.ts';

export interface MemoryStoreOptions {
  /** Bound on the estimated bytes of every stored entry (bodies, fields and overhead). */
  readonly maxBytes: number;
  /** Bodies longer than this are not stored. */
  readonly maxObjectBytes: number;
}

export interface MemoryStoreStats extends StoreStats {
  /** Distinct tags in the tag index. */
  readonly tags: number;
}

/** The memory store answers every call synchronously. */
export interface MemoryStore extends CacheStore {
  get(key: string, now: number): readonly StoredEntry[] | undefined;
  put(meta: EntryMeta, body: readonly Buffer[]): void;
  delete(key: string): number;
  purge(selector: PurgeSelector, options: PurgeOptions): number;
  stats(): MemoryStoreStats;
  /** Bodies longer than this are not stored. */
  readonly maxObjectBytes: number;
  close(): void;
}

/** One primary key's variants: the unit of the LRU, so a key's variants are evicted together. */
interface Slot {
  /** Newest first. Replaced, never mutated, so a reader holding the array keeps a consistent view. */
  entries: readonly StoredEntry[];
  /** Estimated bytes of each entry, parallel to `entries`. */
  readonly sizes: readonly number[];
  readonly bytes: number;
}

/**
 * A byte-bounded LRU cache store in process memory (`lru-cache`). One LRU item per primary key holds
 * all its variants, so a hit is one lookup returning the same array until the key is written again.
 * Entries past `deleteAt` are dropped when read or purged, or evicted like any other.
 *
 * Bodies are stored as given, never copied: callers must not mutate a body array or its chunks
 * after `put`, nor the arrays `get` returns.
 *
 * @example
 * const store = createMemoryStore({ maxBytes: 256 * 1024 * 1024, maxObjectBytes: 8 * 1024 * 1024 });
 * store.put(meta, chunks);
 * const variants = store.get(meta.key, Date.now());
 */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const { maxBytes, maxObjectBytes } = options;
  assertPositiveInteger('maxBytes', maxBytes);
  assertPositiveInteger('maxObjectBytes', maxObjectBytes);

  const tagIndex = createTagIndex();
  let hasUserKeys = false;
  let entryCount = 0;
  let evictionCount = 0;

  function forgetEntry(entry: StoredEntry): void {
    tagIndex.remove(entry);
    entryCount--;
  }

  const lru = new LRUCache<string, Slot>({
    maxSize: maxBytes,
    sizeCalculation: (slot) => slot.bytes,
    dispose(slot, _key, reason) {
      // A replaced slot ('set') is accounted by whoever wrote the new one: it knows which entries survive.
      if (reason === 'set') return;
      if (reason === 'evict') evictionCount += slot.entries.length;
      for (const entry of slot.entries) forgetEntry(entry);
    },
  });

  // lru-cache defaults its options argument to a fresh `{}` per call and writes `status` into it;
  // one reused object, with `status` reset, keeps a hit free of allocation.
  const getOptions: LRUCache.GetOptions<string, Slot, unknown> = {};

  /** Keeps the entries `shouldKeep` accepts; answers the slot now stored, or undefined when none is left. */
  function retainEntries(key: string, slot: Slot, shouldKeep: (entry: StoredEntry) => boolean): Slot | undefined {
    const entries: StoredEntry[] = [];
    const sizes: number[] = [];
    const dropped: StoredEntry[] = [];
    let bytes = 0;
    for (let i = 0; i < slot.entries.length; i++) {
      const entry = slot.entries[i]!;
      if (!shouldKeep(entry)) {
        dropped.push(entry);
        continue;
      }
      entries.push(entry);
      sizes.push(slot.sizes[i]!);
      bytes += slot.sizes[i]!;
    }
    if (dropped.length === 0) return slot;
    if (entries.length === 0) {
      // dispose ('delete') forgets every entry of the slot.
      lru.delete(key);
      return undefined;
    }
    for (const entry of dropped) forgetEntry(entry);
    const next: Slot = { entries, sizes, bytes };
    lru.set(key, next);
    return next;
  }

  function dropExpired(key: string, slot: Slot, now: number): Slot | undefined {
    return hasExpired(slot.entries, now) ? retainEntries(key, slot, (entry) => !isExpired(entry, now)) : slot;
  }

  /** Soft purge: a new frozen meta with `staleAt` no later than `now`; body, size and tags are unchanged. */
  function markStale(slot: Slot, shouldMark: (entry: StoredEntry) => boolean, now: number): void {
    let entries: StoredEntry[] | undefined;
    for (let i = 0; i < slot.entries.length; i++) {
      const entry = slot.entries[i]!;
      if (!shouldMark(entry) || entry.meta.staleAt <= now) continue;
      const stale: StoredEntry = Object.freeze({ meta: Object.freeze({ ...entry.meta, staleAt: now }), body: entry.body });
      tagIndex.replace(entry, stale);
      entries ??= slot.entries.slice();
      entries[i] = stale;
    }
    // Same size, so the LRU is not told: a soft purge does not make an entry recently used.
    if (entries !== undefined) slot.entries = entries;
  }

  function purgeKey(key: string, isMatch: (entry: StoredEntry) => boolean, soft: boolean, now: number): number {
    const stored = lru.peek(key);
    if (stored === undefined) return 0;
    // Expired entries are gone for every reader, so a purge neither counts nor keeps them.
    const slot = dropExpired(key, stored, now);
    if (slot === undefined) return 0;
    let matched = 0;
    for (const entry of slot.entries) if (isMatch(entry)) matched++;
    if (matched === 0) return 0;
    if (soft) markStale(slot, isMatch, now);
    else retainEntries(key, slot, (entry) => !isMatch(entry));
    return matched;
  }

  function purgeTag(tag: string, soft: boolean, now: number): number {
    const tagged = tagIndex.entriesOf(tag);
    if (tagged === undefined) return 0;
    const matches = new Set(tagged);
    const keys = new Set<string>();
    for (const entry of matches) keys.add(entry.meta.key);
    let count = 0;
    for (const key of keys) count += purgeKey(key, (entry) => matches.has(entry), soft, now);
    return count;
  }

  function purgeMatchingKeys(isKeyMatch: (key: string) => boolean, soft: boolean, now: number): number {
    const keys: string[] = [];
    for (const key of lru.keys()) if (isKeyMatch(key)) keys.push(key);
    let count = 0;
    for (const key of keys) count += purgeKey(key, isAnyEntry, soft, now);
    return count;
  }

  return {
    maxObjectBytes,
    get(key, now) {
      getOptions.status = undefined;
      const slot = lru.get(key, getOptions);
      if (slot === undefined) return undefined;
      const entries = slot.entries;
      for (let i = 0; i < entries.length; i++) {
        if (isExpired(entries[i]!, now)) return dropExpired(key, slot, now)?.entries;
      }
      return entries;
    },

    put(meta, body) {
      // Once per-user keys exist, a full-URL purge must scan for them too (see `sharedKeyOf`).
      if (!hasUserKeys && sharedKeyOf(meta.key) !== meta.key) hasUserKeys = true;
      const bodyBytes = measureBodyBytes(body);
      if (bodyBytes > maxObjectBytes) return;
      const size = estimateEntryBytes(meta, bodyBytes, body.length);
      if (size > maxBytes) return;
      const entry: StoredEntry = Object.freeze({ meta, body });
      const entries = [entry];
      const sizes = [size];
      let bytes = size;
      const previous = lru.peek(meta.key);
      if (previous !== undefined) {
        for (let i = 0; i < previous.entries.length; i++) {
          const older = previous.entries[i]!;
          const olderSize = previous.sizes[i]!;
          if (older.meta.variantKey === meta.variantKey) {
            forgetEntry(older);
          } else if (bytes + olderSize > maxBytes) {
            // The key's variants together must fit the LRU, which refuses (and drops) an oversized item.
            forgetEntry(older);
            evictionCount++;
          } else {
            entries.push(older);
            sizes.push(olderSize);
            bytes += olderSize;
          }
        }
      }
      tagIndex.add(entry);
      entryCount++;
      lru.set(meta.key, { entries, sizes, bytes });
    },

    delete(key) {
      const slot = lru.peek(key);
      if (slot === undefined) return 0;
      lru.delete(key);
      return slot.entries.length;
    },

    purge(selector, { soft, now }) {
      if ('tag' in selector) return purgeTag(selector.tag, soft, now);
      if ('url' in selector && !isPathSelector(selector.url) && !hasUserKeys) return purgeKey(selector.url, isAnyEntry, soft, now);
      return purgeMatchingKeys(createKeyPredicate(selector), soft, now);
    },

    stats() {
      return { entries: entryCount, bytes: lru.calculatedSize, evictions: evictionCount, tags: tagIndex.countTags() };
    },

    /** Releases every entry; the store stays usable, empty. */
    close() {
      lru.clear();
      tagIndex.clear();
      entryCount = 0;
    },
  };
}

function isExpired(entry: StoredEntry, now: number): boolean {
  return entry.meta.deleteAt <= now;
}

function hasExpired(entries: readonly StoredEntry[], now: number): boolean {
  for (let i = 0; i < entries.length; i++) if (isExpired(entries[i]!, now)) return true;
  return false;
}

function isAnyEntry(): boolean {
  return true;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new CachetError('CACHET_ERR_STORE', `memory store ${name} must be a positive integer, got ${value}`);
  }
}
