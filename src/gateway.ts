import type { Server } from 'node:http';
import type { Config } from './config/types.ts';
import { systemClock, type Clock } from './clock.ts';
import { createStore } from './cache/store/index.ts';
import { createSharedStore } from './cache/store/redis/shared-store.ts';
import type { TieredStore } from './cache/store/tiered.ts';
import type { CacheStore, PurgeSelector } from './cache/store/types.ts';
import { createUpstreamPool, type UpstreamPool } from './upstream/pool.ts';
import { createMetrics, purgeKindOf, type Metrics } from './observability/metrics.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createAdminServer, type PurgeOutcome } from './admin/server.ts';
import { summarizeHealth, type AdminHealth } from './admin/health.ts';
import { assessReadiness } from './admin/readiness.ts';
import { createListener } from './server/listener.ts';
import { listenOn } from './server/listen.ts';
import { closeGracefully } from './server/shutdown.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { createRevocationList } from './auth/revocation.ts';
import type { RevocationList } from './auth/types.ts';
import { createForwarder } from './forward/forwarder.ts';
import { createCache } from './cache/cache.ts';
import { createAdmission } from './edge/admit.ts';
import { createRateLimits } from './rate-limit/index.ts';
import { sharedConnectionOf } from './cache/store/redis/shared-store.ts';
import { createRequestHandler } from './edge/handler.ts';
import { createAccessLog } from './edge/access-log.ts';
import { guardIdempotentRoutes } from './idempotency/index.ts';
import { createUpgradeHandler } from './edge/upgrade.ts';
import type { InvalidationBus } from './bus/types.ts';
import { createBusHandler } from './bus/apply.ts';
import { shareRevocations } from './bus/shared-revocations.ts';
import { createRedisSharing, isNotShared, type RedisSharing } from './bus/redis-sharing.ts';

export interface Gateway {
  /** The local token revocation list (the admin API's `/revocations`). */
  readonly revocations: RevocationList;
  /** Starts the proxy and admin listeners; resolves with their URLs once both accept connections. */
  listen(): Promise<{ url: string; adminUrl: string | undefined }>;
  /** Stops accepting, drains in-flight requests up to `shutdown.drainTimeoutMs`, closes pools and the store. */
  close(): Promise<void>;
  /** Purges stored responses (the admin API's `POST /purge`); answers how many matched. */
  purge(selector: PurgeSelector, soft?: boolean): Promise<number>;
  /** What `GET /health` answers: per upstream, how many targets are healthy. */
  health(): AdminHealth;
  readonly metrics: Metrics;
  readonly store: CacheStore;
}

export interface GatewayOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Export Node process metrics (event loop, heap, GC) too; the CLI turns this on, tests leave it off. */
  readonly processMetrics?: boolean;
  /**
   * Carries purges, invalidations by unsafe methods and revocations to the other members of the instance
   * (the other workers), and applies theirs here. Without it the gateway is the only member. With a Redis
   * store, changes travel through Redis to every process of every instance, and this bus carries them only
   * while Redis is unavailable.
   */
  readonly bus?: InvalidationBus;
  /** Listen with SO_REUSEPORT, so the workers of an instance share the listen port (see `server/listen.ts`). */
  readonly reusePort?: boolean;
}

/**
 * Assembles a gateway from a validated config: store, upstream pools with health checks, the proxy listener
 * and the admin listener.
 *
 * @example
 * const gateway = await createGateway(buildProxyConfig({ to: 'http://127.0.0.1:3000' }));
 * const { url } = await gateway.listen();
 */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log.level);
  const metrics = createMetrics({ collectDefault: options.processMetrics === true });
  const revocations = createRevocationList();
  // With a Redis store, purges, invalidations and revocations travel through Redis (see bus/redis-sharing.ts).
  let sharing: RedisSharing | undefined;
  let tiered: TieredStore | undefined;
  let store: CacheStore;
  if (config.store.type === 'redis') {
    tiered = createSharedStore(config.store, {
      metrics,
      logger,
      clock,
      // Only now that Redis no longer holds what it removed may the other instances drop their copies.
      onPurgeReplayed: (selector, purgeOptions) => {
        sharing?.bus.publish({ kind: 'purge', selector, soft: purgeOptions.soft }).catch(() => {});
      },
    });
    store = tiered;
    sharing = createRedisSharing({
      config: config.store,
      revocations,
      logger,
      registry: metrics.registry,
      now: () => clock.now(),
      onGap: () => tiered?.dropMemory(),
      ...(options.bus === undefined ? {} : { local: options.bus }),
    });
  } else store = createStore(config.store, { metrics, logger, clock });
  const bus = sharing?.bus ?? options.bus;
  metrics.setStoreStatsSource(() => store.stats());

  const pools = new Map<string, UpstreamPool>();
  for (const [name, upstream] of Object.entries(config.upstreams)) pools.set(name, createUpstreamPool(upstream, { clock }));
  metrics.setUpstreamHealthSource(() => [...pools.values()].map((pool) => pool.health()));
  reportDesyncs(pools, metrics, logger);

  // Assembled bottom-up, each layer handed the one below it: pools → forwarder → cache → edge → listener.
  const forwarder = createForwarder({
    proxy: config.proxy,
    identityHeaders: config.auth?.identityHeaders,
    forwardTagHeaders: config.cache.forwardTagHeaders,
    hideSurrogateControl: config.cache.enabled && config.cache.surrogateControl,
    metrics,
  });
  const cache = createCache({
    config: config.cache,
    maxObjectBytes: config.store.maxObjectBytes,
    store,
    forwarder,
    clock,
    metrics,
    logger,
    ...(bus === undefined ? {} : { onInvalidate: (keys: readonly string[]) => announceInvalidation(bus, keys, logger) }),
  });
  bus?.subscribe(
    createBusHandler({
      // Another member purged the shared tier already: only what this process holds goes.
      purge: (selector, soft) => cache.purge(selector, soft, true),
      forget: cache.forget,
      revocations,
      now: () => clock.now(),
    }),
  );
  const authenticator = config.auth === undefined ? undefined : createAuthenticator(config.auth, { clock, revocations });
  // Rate limits count on the store's own Redis connection: one connection, one circuit breaker.
  const rateLimiter = createRateLimits(config, sharedConnectionOf(store), { registry: metrics.registry, logger, clock });
  const admission = createAdmission({
    routes: config.routes,
    upstreams: config.upstreams,
    pools,
    authenticator,
    realm: config.auth?.realm ?? 'cachet',
    maxBodyBytes: config.limits.maxBodyBytes,
    logger,
    ...(rateLimiter === undefined ? {} : { rateLimiter }),
  });

  const front = guardIdempotentRoutes(cache, { config, store, forwarder, clock, metrics, logger });
  const server = createListener(
    config.limits,
    createRequestHandler({ admission, cache: front, metrics, logger, accessLog: createAccessLog(config.log) }),
  );
  // A refused upgrade hands its connection back to the listener's parser, so what follows is a request like any other.
  const upgrades = createUpgradeHandler({
    admission,
    forwarder,
    cacheStatus: cache.bypassStatus,
    metrics,
    logger,
    resumeHttp: (socket) => server.emit('connection', socket),
  });
  server.on('upgrade', upgrades.handle);

  const purgeEverywhere = async (selector: PurgeSelector, soft: boolean): Promise<PurgeOutcome> => {
    let count = await cache.purge(selector, soft);
    let shared = true;
    if (sharing !== undefined) {
      const result = await sharing.share({ kind: 'purge', selector, soft });
      count += result.count;
      shared = result.shared;
    } else if (bus !== undefined) count += await bus.publish({ kind: 'purge', selector, soft });
    metrics.recordPurge(purgeKindOf(selector), soft, count);
    if (shared) logger.info({ selector, soft, count }, 'purge');
    else logger.warn({ selector, soft, count }, 'purge applied to this instance only (redis unavailable); shared once redis is back');
    return { purged: count, shared };
  };
  const purge = async (selector: PurgeSelector, soft = false): Promise<number> => (await purgeEverywhere(selector, soft)).purged;

  let admin: Server | undefined;
  // Set when the drain starts, so `/readyz` turns 503 and load balancers stop sending traffic.
  let draining = false;
  if (config.admin !== undefined) {
    admin = createAdminServer({
      token: config.admin.token,
      ...(config.admin.metricsToken === undefined ? {} : { metricsToken: config.admin.metricsToken }),
      purge: sharing === undefined ? purge : purgeEverywhere,
      health: () => countHealthyTargets(pools),
      readiness: () => assessReadiness({ listening: server.listening, draining, upstreams: countHealthyTargets(pools).upstreams }),
      metrics,
      logger,
      revocations: sharing?.adminRevocations ?? (bus === undefined ? revocations : shareRevocations(revocations, bus)),
      now: () => clock.now(),
    });
  }

  return {
    metrics,
    store,
    purge,
    revocations,
    health: () => countHealthyTargets(pools),
    async listen() {
      // Revocations are loaded before the first request is accepted (or Redis found unavailable, and logged).
      await sharing?.start();
      const url = await listenOn(server, { ...config.listen, reusePort: options.reusePort === true });
      const adminUrl = admin !== undefined && config.admin !== undefined ? await listenOn(admin, config.admin) : undefined;
      for (const pool of pools.values()) pool.start();
      return { url, adminUrl };
    },
    async close() {
      draining = true;
      const drainMs = config.shutdown.drainTimeoutMs;
      const cutTunnels = setTimeout(() => upgrades.destroyAll(), drainMs);
      cutTunnels.unref();
      // The admin listener outlives the drain, so probes keep getting an answer (`/readyz` 503) until it ends.
      await closeGracefully(server, drainMs);
      if (admin !== undefined) await closeGracefully(admin, drainMs);
      clearTimeout(cutTunnels);
      authenticator?.close();
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      await Promise.all([store.close(), sharing?.close()]);
    },
  };
}

/** Every upstream connection found out of step with its origin: a metric and a warning (the guard already closed it). */
function reportDesyncs(pools: ReadonlyMap<string, UpstreamPool>, metrics: Metrics, logger: Logger): void {
  for (const pool of pools.values()) {
    for (const target of pool.targets) {
      target.connections.onDesync(({ error, revoked }) => {
        metrics.recordUpstreamDesync(pool.name, target.url);
        logger.warn(
          { upstream: pool.name, target: target.url, err: error, purged: revoked },
          'upstream connection out of step with the origin: closed, the responses it fed the cache purged',
        );
      });
    }
  }
}

function countHealthyTargets(pools: ReadonlyMap<string, UpstreamPool>): AdminHealth {
  return summarizeHealth(
    [...pools.values()].map((pool) => {
      const health = pool.health();
      return { name: pool.name, healthy: health.targets.filter((t) => t.healthy).length, total: health.targets.length };
    }),
  );
}

/**
 * Tells the other members which keys an unsafe method invalidated here. The local invalidation is done; if
 * another member does not confirm (or Redis is unavailable: it is sent once Redis is back), the client's
 * answer still goes out and the failure is logged.
 */
async function announceInvalidation(bus: InvalidationBus, keys: readonly string[], logger: Logger): Promise<void> {
  try {
    await bus.publish({ kind: 'invalidate', keys });
  } catch (err) {
    if (isNotShared(err)) logger.warn({ keys }, 'invalidation not shared yet (redis unavailable); shared once redis is back');
    else logger.warn({ err, keys }, 'invalidation not confirmed by every worker');
  }
}
