import { randomBytes } from 'node:crypto';
import { createRedisConnection } from '../../src/redis/connection.ts';
import { createRedisStore, type RedisStoreOptions } from '../../src/cache/store/redis/redis-store.ts';
import { readRemoteEntries } from '../../src/cache/store/remote-body.ts';
import type { CacheStore, RemoteCacheStore } from '../../src/cache/store/types.ts';
import type { EntryMeta } from '../../src/cache/policy/entry.ts';

/** A Redis store on its own connection to `url` or to the cluster `nodes`. */
export function openRedisStore(
  target: { readonly url: string } | { readonly cluster: readonly string[] },
  options: Partial<Omit<RedisStoreOptions, 'redis'>> & { readonly commandTimeoutMs?: number } = {},
): RemoteCacheStore {
  return createRedisStore({
    redis: createRedisConnection({ ...target, commandTimeoutMs: options.commandTimeoutMs ?? 1000 }),
    keyPrefix: 'test:',
    maxObjectBytes: 64 * 1024 * 1024,
    ...options,
  });
}

/** A remote store with every body read into memory, for suites that compare bodies as `Buffer[]`. */
export function readingBodies(store: RemoteCacheStore): CacheStore {
  return {
    async get(key, now) {
      const entries = await store.get(key, now);
      return entries === undefined ? undefined : readRemoteEntries(entries);
    },
    put: (meta, body) => store.put(meta, body),
    delete: (key) => store.delete(key),
    purge: (selector, options) => store.purge(selector, options),
    stats: () => store.stats(),
    close: () => store.close(),
  };
}

/** A stored-response meta near the real clock (the Redis store checks expiry against it), unique per call. */
export function createEntryMeta(fields: Partial<EntryMeta> & { readonly key: string }, body: readonly Buffer[] = []): EntryMeta {
  const now = Date.now();
  return Object.freeze({
    variantKey: '',
    varyFields: [],
    status: 200,
    headers: { 'content-type': 'application/octet-stream' },
    requestAt: now - 10,
    responseAt: now,
    initialAgeSec: 0,
    staleAt: now + 60_000,
    deleteAt: now + 3_600_000,
    tags: [],
    policy: { noCache: false, mustRevalidate: false, staleWhileRevalidateSec: 0, staleIfErrorSec: 0, immutable: false, heuristic: false },
    size: body.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    ...fields,
  });
}

/** `http://<host>-<id>.test<path>`, unique per call. */
export function uniqueKey(path = '/x', host = 'a'): string {
  return `http://${host}-${randomBytes(5).toString('hex')}.test${path}`;
}
