import type { StoreConfig } from '../../config/types.ts';
import { createMemoryStore } from './memory.ts';
import { createSharedStore, type SharedStoreDeps } from './redis/shared-store.ts';
import type { CacheStore } from './types.ts';

export { createMemoryStore } from './memory.ts';
export type { MemoryStore, MemoryStoreOptions, MemoryStoreStats } from './memory.ts';
export { createTieredStore } from './tiered.ts';
export { readRemoteBody, readRemoteEntries } from './remote-body.ts';
export type { TieredStore, TieredStoreEvents } from './tiered.ts';
export type { SharedStoreDeps } from './redis/shared-store.ts';
export type * from './types.ts';

/**
 * Builds the cache store the configuration names: the memory store, or for `type: redis` the memory tier in
 * front of Redis (connecting in the background; until Redis answers, the memory tier alone serves).
 * `deps` receives the shared store's metrics and log lines.
 */
export function createStore(config: StoreConfig, deps: SharedStoreDeps = {}): CacheStore {
  switch (config.type) {
    case 'memory':
      return createMemoryStore({ maxBytes: config.maxBytes, maxObjectBytes: config.maxObjectBytes });
    case 'redis':
      return createSharedStore(config, deps);
  }
}
