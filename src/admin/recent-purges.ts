import type { PurgeSelector } from '../cache/store/types.ts';

/** One answered `POST /purge`, as the dashboard lists it. */
export interface PurgeRecord {
  /** Epoch milliseconds when the purge was answered. */
  readonly at: number;
  readonly selectors: readonly PurgeSelector[];
  readonly soft: boolean;
  /** Entries removed or marked stale, every member of the instance included. */
  readonly purged: number;
}

/** The last purges an admin listener answered, newest first. */
export interface RecentPurges {
  record(purge: PurgeRecord): void;
  list(): PurgeRecord[];
}

/** How many purges the dashboard shows. */
export const RECENT_PURGES_LIMIT = 20;

/** A fixed-size ring: recording never grows it past `limit`, whatever the purge rate. */
export function createRecentPurges(limit = RECENT_PURGES_LIMIT): RecentPurges {
  const ring: PurgeRecord[] = [];
  let next = 0;
  return {
    record(purge) {
      ring[next] = purge;
      next = (next + 1) % limit;
    },
    list() {
      const newestFirst: PurgeRecord[] = [];
      for (let i = 1; i <= ring.length; i++) newestFirst.push(ring[(next - i + limit) % limit] as PurgeRecord);
      return newestFirst;
    },
  };
}
