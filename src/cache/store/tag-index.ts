import type { StoredEntry } from './types.ts';

/**
 * Surrogate-Key / Cache-Tag → the stored entries carrying it. Members are the entry objects
 * themselves (each knows its key and variantKey), so a replaced or dropped entry is removed
 * exactly, and a tag whose last entry goes is dropped, so the index never outgrows the store.
 */
export interface TagIndex {
  add(entry: StoredEntry): void;
  remove(entry: StoredEntry): void;
  /** Swaps an entry for its successor with the same tags (a soft purge's new meta). */
  replace(previous: StoredEntry, next: StoredEntry): void;
  /** Live view: copy it before changing the store while iterating. */
  entriesOf(tag: string): ReadonlySet<StoredEntry> | undefined;
  countTags(): number;
  clear(): void;
}

export function createTagIndex(): TagIndex {
  const entriesByTag = new Map<string, Set<StoredEntry>>();

  function add(entry: StoredEntry): void {
    for (const tag of entry.meta.tags) {
      let entries = entriesByTag.get(tag);
      if (entries === undefined) {
        entries = new Set();
        entriesByTag.set(tag, entries);
      }
      entries.add(entry);
    }
  }

  function remove(entry: StoredEntry): void {
    for (const tag of entry.meta.tags) {
      const entries = entriesByTag.get(tag);
      if (entries === undefined) continue;
      entries.delete(entry);
      if (entries.size === 0) entriesByTag.delete(tag);
    }
  }

  return {
    add,
    remove,
    replace(previous, next) {
      remove(previous);
      add(next);
    },
    entriesOf: (tag) => entriesByTag.get(tag),
    countTags: () => entriesByTag.size,
    clear: () => entriesByTag.clear(),
  };
}
