import { CachetError } from '../../errors.ts';
import type { StoreConfig } from '../../config/types.ts';
import { createMemoryStore } from './memory.ts';
import type { CacheStore } from './types.ts';

export { createMemoryStore } from './memory.ts';
export type { MemoryStore, MemoryStoreOptions, MemoryStoreStats } from './memory.ts';
export type * from './types.ts';

/**
 * Builds the cache store the configuration names.
 *
 * @throws CachetError `CACHET_ERR_STORE` for `type: redis`, which this version does not provide yet.
 */
export function createStore(config: StoreConfig): CacheStore {
  switch (config.type) {
    case 'memory':
      return createMemoryStore({ maxBytes: config.maxBytes, maxObjectBytes: config.maxObjectBytes });
    case 'redis':
      throw new CachetError('CACHET_ERR_STORE', 'redis store is not available in this version');
  }
}
