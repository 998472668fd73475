import type { EntryMeta } from '../policy/entry.ts';
import type { MemoryStore } from './memory.ts';
import { isRemoteBody, readRemoteBody } from './remote-body.ts';
import type {
  CacheStore,
  PurgeOptions,
  PurgeSelector,
  RemoteBody,
  RemoteCacheStore,
  RemoteStoredEntry,
  StoredBody,
  StoredEntry,
  StoreStats,
} from './types.ts';

export type StoreOperation = 'get' | 'put' | 'delete' | 'purge';

/** What the tiered store reports about its shared tier; every hook is optional. */
export interface TieredStoreEvents {
  /** A shared-tier call failed or was refused (Redis down, slow or its circuit open); the caller went on without it. */
  onRemoteError?(operation: StoreOperation, err: unknown): void;
  /** A purge reached this instance's memory tier only; it is replayed on the shared tier once that is back. */
  onPurgeNotShared?(selector: PurgeSelector, err: unknown): void;
  /**
   * A purge kept while the shared tier was unavailable has now been applied there. Other instances' memory tiers
   * must hear of it only now: told earlier, they could read the old response back from the shared tier.
   */
  onPurgeReplayed?(selector: PurgeSelector, options: PurgeOptions): void;
  /** A body streamed from the shared tier failed mid-read (gone or unreachable): the response was cut, the entry is dropped. */
  onBodyLost?(key: string, err: unknown): void;
}

export interface TieredStore extends CacheStore {
  /**
   * Applies, oldest first, the purges the shared tier missed while it was unavailable; answers how many went
   * through. Calls made while one runs share it.
   */
  replayUnsharedPurges(): Promise<number>;
  /** Purges still waiting for the shared tier. */
  readonly unsharedPurges: number;
  /**
   * Empties the memory tier (the shared tier keeps everything): a purge may have been missed, and what this
   * process holds can no longer be trusted. Reads of the shared tier in flight neither answer nor promote.
   */
  dropMemory(): void;
}

/** Purges kept for replay while the shared tier is down; past this the oldest are dropped (and were reported). */
const MAX_UNSHARED_PURGES = 1000;

/**
 * The memory tier (L1, this process) in front of a shared remote tier (L2, Redis).
 *
 * - `get`: an L1 hit answers synchronously, as the memory store alone does. An L1 miss reads L2 (one read
 *   per key at a time, shared by concurrent callers) and promotes what it finds to L1 when it fits; an entry
 *   too large for L1 answers with its remote body, read only as it is sent. Any L2 failure is a miss; a
 *   remote body failing mid-read drops its entry.
 * - `put`, `delete`, `purge`: both tiers; an L2 failure never fails the call. A purge that L2 missed is
 *   kept and replayed there when it is back, so other instances do not keep serving what it removed. A purge
 *   with `localOnly` (another instance's, already applied to L2) touches L1 only.
 * - `stats`: the memory tier's.
 * - `fillLeases`: the shared tier's (misses coalesced across instances), when it has them.
 */
export function createTieredStore(memory: MemoryStore, remote: RemoteCacheStore, events: TieredStoreEvents = {}): TieredStore {
  const reads = new Map<string, Promise<readonly StoredEntry[] | undefined>>();
  const unshared: Array<{ readonly selector: PurgeSelector; readonly options: PurgeOptions }> = [];
  /** Bumped by every purge and delete: a read of L2 that overlapped one neither promotes nor answers what it found. */
  let epoch = 0;
  let replaying: Promise<number> | undefined;

  function report(operation: StoreOperation, err: unknown): void {
    events.onRemoteError?.(operation, err);
  }

  async function readThrough(key: string, now: number): Promise<readonly StoredEntry[] | undefined> {
    const startEpoch = epoch;
    try {
      const found = await remote.get(key, now);
      if (found === undefined) return undefined;
      // What fits L1 is read whole and promoted; a larger body is streamed to the client as it is read.
      const entries = await Promise.all(
        found.map((entry) => (entry.body.size <= memory.maxObjectBytes ? readWhole(entry) : streamed(key, entry))),
      );
      if (epoch !== startEpoch) return undefined;
      // Oldest first, so the newest ends up first in L1 as it is in L2.
      for (let i = entries.length - 1; i >= 0; i--) {
        const { meta, body } = entries[i]!;
        if (!isRemoteBody(body)) memory.put(meta, body);
      }
      return entries;
    } catch (err) {
      report('get', err);
      return undefined;
    }
  }

  async function replayInOrder(): Promise<number> {
    let replayed = 0;
    while (unshared.length > 0) {
      const next = unshared[0]!;
      try {
        await remote.purge(next.selector, next.options);
      } catch (err) {
        report('purge', err);
        return replayed;
      }
      unshared.shift();
      replayed++;
      events.onPurgeReplayed?.(next.selector, next.options);
    }
    return replayed;
  }

  async function readWhole(entry: RemoteStoredEntry): Promise<StoredEntry> {
    return Object.freeze({ meta: entry.meta, body: await readRemoteBody(entry.body) });
  }

  /** The entry as L2 holds it; a read that fails mid-way drops it from both tiers. */
  function streamed(key: string, entry: RemoteStoredEntry): StoredEntry {
    const remoteBody = entry.body;
    const body: RemoteBody = {
      size: remoteBody.size,
      async *read(start, end) {
        try {
          yield* remoteBody.read(start, end);
        } catch (err) {
          events.onBodyLost?.(key, err);
          void store.delete(key);
          throw err;
        }
      },
    };
    return Object.freeze({ meta: entry.meta, body });
  }

  const store: TieredStore = {
    ...(remote.fillLeases === undefined ? {} : { fillLeases: remote.fillLeases }),

    get(key, now) {
      const local = memory.get(key, now);
      if (local !== undefined) return local;
      let read = reads.get(key);
      if (read === undefined) {
        read = readThrough(key, now).finally(() => reads.delete(key));
        reads.set(key, read);
      }
      return read;
    },

    async put(meta: EntryMeta, body: StoredBody) {
      // A remote body (an entry re-stored with new fields) is too large for L1: only L2 copies it.
      if (!isRemoteBody(body)) memory.put(meta, body);
      try {
        await remote.put(meta, body);
      } catch (err) {
        report('put', err);
      }
    },

    async delete(key) {
      epoch++;
      const local = memory.delete(key);
      try {
        return Math.max(local, await remote.delete(key));
      } catch (err) {
        report('delete', err);
        return local;
      }
    },

    async purge(selector, options) {
      epoch++;
      const local = memory.purge(selector, options);
      if (options.localOnly === true) return local;
      try {
        return Math.max(local, await remote.purge(selector, options));
      } catch (err) {
        if (unshared.length >= MAX_UNSHARED_PURGES) unshared.shift();
        unshared.push({ selector, options });
        events.onPurgeNotShared?.(selector, err);
        return local;
      }
    },

    replayUnsharedPurges() {
      replaying ??= replayInOrder().finally(() => {
        replaying = undefined;
      });
      return replaying;
    },

    get unsharedPurges() {
      return unshared.length;
    },

    dropMemory() {
      epoch++;
      memory.close();
    },

    stats(): StoreStats {
      return memory.stats();
    },

    async close() {
      memory.close();
      await remote.close();
    },
  };
  return store;
}
