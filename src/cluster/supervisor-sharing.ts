import type { AdminDeps, AdminRevocations } from '../admin/server.ts';
import type { RevocationList } from '../auth/types.ts';
import { createBusHandler } from '../bus/apply.ts';
import { createRedisSharing, type RedisSharing } from '../bus/redis-sharing.ts';
import type { InvalidationBus } from '../bus/types.ts';
import { createSharedStore } from '../cache/store/redis/shared-store.ts';
import type { RedisStoreConfig } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import { purgeKindOf, type Metrics } from '../observability/metrics.ts';

export interface SupervisorSharingDeps {
  /** The IPC bus to this instance's workers: used while Redis is unavailable. */
  readonly hub: InvalidationBus;
  /** The instance's list (`GET /revocations`, what a new worker starts with), kept in step with Redis. */
  readonly revocations: RevocationList;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The supervisor's admin purges and revocations when the instance shares a Redis store. */
export interface SupervisorSharing {
  readonly purge: AdminDeps['purge'];
  readonly revocations: AdminRevocations;
  /** Loads the revocations from Redis (before the workers are started with them). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * With a Redis store every worker reads the stream itself, so an admin purge reaches the workers of this
 * instance and of every other one the same way: the supervisor purges Redis, then appends the purge to the
 * stream. While Redis is unavailable it reaches this instance's workers over IPC instead, and the purge is
 * replayed on Redis, then announced, once Redis is back. The supervisor serves no traffic: its memory tier
 * stays empty.
 */
export function createSupervisorSharing(config: RedisStoreConfig, deps: SupervisorSharingDeps): SupervisorSharing {
  const { revocations, logger, metrics } = deps;
  let sharing: RedisSharing | undefined;
  const store = createSharedStore(config, {
    logger,
    onPurgeReplayed: (selector, options) => {
      sharing?.bus.publish({ kind: 'purge', selector, soft: options.soft }).catch(() => {});
    },
  });
  sharing = createRedisSharing({ config, revocations, logger, registry: metrics.registry, now: Date.now, local: deps.hub });
  sharing.bus.subscribe(createBusHandler({ purge: async () => 0, forget: async () => {}, revocations, now: Date.now }));
  const shared = sharing;

  return {
    async purge(selector, soft) {
      const stored = await store.purge(selector, { soft, now: Date.now() });
      const { count, shared: isShared } = await shared.share({ kind: 'purge', selector, soft });
      metrics.recordPurge(purgeKindOf(selector), soft, stored + count);
      if (isShared) logger.info({ selector, soft, count: stored }, 'purge');
      else logger.warn({ selector, soft, count }, 'purge applied to this instance only (redis unavailable); shared once redis is back');
      return { purged: stored + count, shared: isShared };
    },
    revocations: shared.adminRevocations,
    start: () => shared.start(),
    async close() {
      await Promise.all([shared.close(), store.close()]);
    },
  };
}
