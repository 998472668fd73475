import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Forwarder } from '../forward/forwarder.ts';
import { createClientAddressResolver } from '../forward/forwarded.ts';
import type { Cache } from '../cache/cache.ts';
import type { CacheStore } from '../cache/store/types.ts';
import { sharedConnectionOf } from '../cache/store/redis/shared-store.ts';
import { guardIdempotency } from './guard.ts';
import { createMemoryIdempotencyStore } from './memory-store.ts';
import { createRedisIdempotencyStore } from './redis-store.ts';

export { parseIdempotencyKey } from './key-field.ts';
export type { IdempotencyStore, Claim, Lease } from './store.ts';

export interface IdempotencyDeps {
  readonly config: Config;
  /** The cache store: with `type: redis`, records share its Redis connection. */
  readonly store: CacheStore;
  readonly forwarder: Forwarder;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** Bytes of kept responses one process holds with the memory store; past it the oldest records go. */
const MEMORY_RECORDS_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The cache as the edge sees it: guarded by Idempotency-Key on the routes that have `idempotency`, and the
 * cache itself, untouched, when none has. Records live in Redis with a Redis store (shared by every
 * instance), else in this process.
 */
export function guardIdempotentRoutes(cache: Cache, deps: IdempotencyDeps): Cache {
  const { config } = deps;
  if (!config.routes.some((route) => route.idempotency !== undefined)) return cache;
  const redis = sharedConnectionOf(deps.store);
  const store =
    redis === undefined || config.store.type !== 'redis'
      ? createMemoryIdempotencyStore({ clock: deps.clock, maxBytes: MEMORY_RECORDS_MAX_BYTES })
      : createRedisIdempotencyStore({ redis, keyPrefix: config.store.keyPrefix });
  const resolveAddress = createClientAddressResolver(config.proxy.trustedProxies);
  return guardIdempotency(cache, {
    store,
    relay: deps.forwarder.relay,
    cacheName: config.cache.name,
    clientAddress: (req: IncomingMessage) => resolveAddress(req.socket.remoteAddress, req.headers['x-forwarded-for']),
    registry: deps.metrics.registry,
    logger: deps.logger,
  });
}
