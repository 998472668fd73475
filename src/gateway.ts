import type { Server } from 'node:http';
import type { Config } from './config/types.ts';
import { systemClock, type Clock } from './clock.ts';
import { createStore } from './cache/store/index.ts';
import { createSharedStore, sharedConnectionOf } from './cache/store/redis/shared-store.ts';
import type { TieredStore } from './cache/store/tiered.ts';
import type { RedisConnection } from './redis/connection.ts';
import type { CacheStore, PurgeSelector } from './cache/store/types.ts';
import type { UpstreamPool } from './upstream/pool.ts';
import { createMetrics, purgeKindOf, type Metrics } from './observability/metrics.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createAdminServer, type PurgeOutcome } from './admin/server.ts';
import { summarizeHealth, type AdminHealth } from './admin/health.ts';
import { assessReadiness } from './admin/readiness.ts';
import { createListener, type ParseRefusal } from './server/listener.ts';
import { createSecureListener, reloadTlsFiles, type SecureListener } from './server/secure-listener.ts';
import { listenOn } from './server/listen.ts';
import { closeGracefully } from './server/shutdown.ts';
import { createRevocationList } from './auth/revocation.ts';
import type { RevocationList } from './auth/types.ts';
import type { InvalidationBus } from './bus/types.ts';
import { createBusHandler } from './bus/apply.ts';
import { shareRevocations } from './bus/shared-revocations.ts';
import { createRedisSharing, isNotShared, type RedisSharing } from './bus/redis-sharing.ts';
import { adoptMetrics, buildGeneration, closeGeneration, startPools, type Generation, type GenerationDeps } from './reload/generation.ts';
import { createConfigReloader, type ReloadOutcome } from './reload/reloader.ts';
import { findRestartOnlyChanges } from './reload/restart-fields.ts';

export type { ReloadOutcome } from './reload/reloader.ts';

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
  /**
   * Reads the config again (`options.loadConfig`) and puts it in force: what SIGHUP and `POST /reload` do.
   * Refused, with every problem, when it is invalid, changes a field that needs a restart, or there is no source.
   */
  reload(): Promise<ReloadOutcome>;
  /**
   * Puts a validated config in force without dropping connections or the cache: routes, upstreams, auth and
   * policies are rebuilt and swapped in at once (see `reload/generation.ts`). Refused when a field that needs
   * a restart changed (see `reload/restart-fields.ts`).
   */
  applyConfig(config: Config): Promise<ReloadOutcome>;
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
  /**
   * Reads and validates the config again, for {@link Gateway.reload} (the CLI: the file it started from).
   * Without it there is nothing to reload.
   */
  readonly loadConfig?: () => Promise<Config>;
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

  // Everything derived from routes, upstreams, auth and policies is one generation; what is above and below
  // (store, metrics, revocations, sharing, listeners) lives as long as the process.
  const generationDeps: GenerationDeps = {
    store,
    metrics,
    logger,
    clock,
    revocations,
    ...(bus === undefined ? {} : { onInvalidate: (keys: readonly string[]) => announceInvalidation(bus, keys, logger) }),
    // Over TLS the HTTP/1.1 parser is attached to the decrypted stream, on `secureConnection`.
    resumeHttp: (socket) => server.emit(config.listen.tls === undefined ? 'connection' : 'secureConnection', socket),
    onPoolCreated: (pool) => reportDesyncs(pool, metrics, logger),
  };
  let current = buildGeneration(config, generationDeps);
  adoptMetrics(metrics.registry, current);
  /** Generations a reload replaced, closed one drain period later (their in-flight requests had that long). */
  const retiring = new Map<Generation, NodeJS.Timeout>();
  metrics.setUpstreamHealthSource(() => [...current.pools.values()].map((pool) => pool.health()));

  // A retiring generation may still be storing bodies it fetched: a purge or an invalidation drops those too.
  const purgeHere = async (selector: PurgeSelector, soft: boolean, localOnly = false): Promise<number> => {
    const count = await current.cache.purge(selector, soft, localOnly);
    for (const old of retiring.keys()) await old.cache.purge(selector, soft, true);
    return count;
  };
  const forgetHere = async (keys: readonly string[]): Promise<void> => {
    await Promise.all([current, ...retiring.keys()].map((generation) => generation.cache.forget(keys)));
  };
  bus?.subscribe(
    createBusHandler({
      // Another member purged the shared tier already: only what this process holds goes.
      purge: (selector, soft) => purgeHere(selector, soft, true),
      forget: forgetHere,
      revocations,
      now: () => clock.now(),
    }),
  );

  // The listener calls the current generation's handlers directly: a reload re-points them (see applyConfig).
  const { tls } = config.listen;
  const logParseRefusal = (refusal: ParseRefusal): void => current.accessLog?.parseRefused(refusal);
  const server =
    tls === undefined
      ? createListener(config.limits, current.handleRequest, logParseRefusal)
      : createSecureListener({ ...config.listen, tls }, config.limits, current.handleRequest, logParseRefusal);
  server.on('upgrade', current.upgrades.handle);

  const purgeEverywhere = async (selector: PurgeSelector, soft: boolean): Promise<PurgeOutcome> => {
    let count = await purgeHere(selector, soft);
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
  const redis = sharedConnectionOf(store);
  const health = (): AdminHealth => countHealthyTargets(current.pools, redis);

  let listening = false;
  // Set when the drain starts, so `/readyz` turns 503 and load balancers stop sending traffic.
  let draining = false;

  const applyConfig = async (next: Config): Promise<ReloadOutcome> => {
    if (draining) return { reloaded: false, problems: ['the gateway is shutting down'] };
    const problems = findRestartOnlyChanges(current.config, next);
    if (problems.length > 0) return { reloaded: false, problems };
    let built: Generation;
    try {
      built = buildGeneration(next, generationDeps, current);
    } catch (err) {
      return { reloaded: false, problems: [err instanceof Error ? err.message : String(err)] };
    }
    // listen.tls: the certificate and key files are read again here, before the swap, once the listener serves TLS.
    if (tls !== undefined) {
      try {
        reloadTlsFiles(server as SecureListener, tls);
      } catch (err) {
        void closeGeneration(built, [current, ...retiring.keys()]);
        return { reloaded: false, problems: [err instanceof Error ? err.message : String(err)] };
      }
    }
    const previous = current;
    // One turn: the next request on any connection, kept alive or new, goes to the new generation.
    server.removeListener('request', previous.handleRequest).on('request', built.handleRequest);
    server.removeListener('upgrade', previous.upgrades.handle).on('upgrade', built.upgrades.handle);
    current = built;
    adoptMetrics(metrics.registry, built, previous);
    if (options.logger === undefined) logger.level = next.log.level;
    if (listening) startPools(built);
    retire(previous);
    return { reloaded: true };
  };

  const retire = (old: Generation): void => {
    const timer = setTimeout(() => void finishRetiring(old), current.config.shutdown.drainTimeoutMs);
    timer.unref();
    retiring.set(old, timer);
  };
  const finishRetiring = async (old: Generation): Promise<void> => {
    clearTimeout(retiring.get(old));
    retiring.delete(old);
    try {
      await closeGeneration(old, [current, ...retiring.keys()]);
    } catch (err) {
      logger.warn({ err }, 'closing the previous config failed');
    }
  };

  const reload =
    options.loadConfig === undefined
      ? async (): Promise<ReloadOutcome> => ({ reloaded: false, problems: ['started without a config file: nothing to reload'] })
      : createConfigReloader({ load: options.loadConfig, apply: applyConfig, registry: metrics.registry, logger, now: Date.now });

  let admin: Server | undefined;
  const adminConfig = config.admin;
  if (adminConfig !== undefined) {
    admin = createAdminServer({
      // Read on each request, so a reload rotates them (the admin section itself needs a restart to come or go).
      get token() {
        return current.config.admin?.token ?? adminConfig.token;
      },
      get metricsToken() {
        return current.config.admin?.metricsToken;
      },
      purge: sharing === undefined ? purge : purgeEverywhere,
      health,
      readiness: () => {
        const { upstreams, store: storeState } = health();
        const required = config.store.type === 'redis' && config.store.requiredForReadiness;
        return assessReadiness({ listening: server.listening, draining, upstreams, requiredStore: required ? storeState : undefined });
      },
      metrics,
      logger,
      revocations: sharing?.adminRevocations ?? (bus === undefined ? revocations : shareRevocations(revocations, bus)),
      now: () => clock.now(),
      reload,
    });
  }

  return {
    metrics,
    store,
    purge,
    revocations,
    health,
    reload,
    applyConfig,
    async listen() {
      // Revocations are loaded before the first request is accepted (or Redis found unavailable, and logged).
      await sharing?.start();
      const url = await listenOn(server, { ...config.listen, reusePort: options.reusePort === true });
      const adminUrl = admin !== undefined && adminConfig !== undefined ? await listenOn(admin, adminConfig) : undefined;
      listening = true;
      startPools(current);
      return { url, adminUrl };
    },
    async close() {
      draining = true;
      const drainMs = current.config.shutdown.drainTimeoutMs;
      const generations = (): Generation[] => [current, ...retiring.keys()];
      const cutTunnels = setTimeout(() => {
        for (const generation of generations()) generation.upgrades.destroyAll();
      }, drainMs);
      cutTunnels.unref();
      // The admin listener outlives the drain, so probes keep getting an answer (`/readyz` 503) until it ends.
      await closeGracefully(server, drainMs);
      if (admin !== undefined) await closeGracefully(admin, drainMs);
      clearTimeout(cutTunnels);
      for (const timer of retiring.values()) clearTimeout(timer);
      await Promise.all(generations().map((generation) => closeGeneration(generation, [])));
      await Promise.all([store.close(), sharing?.close()]);
    },
  };
}

/** Every connection of `pool` found out of step with its origin: a metric and a warning (the guard already closed it). */
function reportDesyncs(pool: UpstreamPool, metrics: Metrics, logger: Logger): void {
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

function countHealthyTargets(pools: ReadonlyMap<string, UpstreamPool>, redis: RedisConnection | undefined): AdminHealth {
  return summarizeHealth(
    [...pools.values()].map((pool) => {
      const health = pool.health();
      return { name: pool.name, healthy: health.targets.filter((t) => t.healthy).length, total: health.targets.length };
    }),
    redis === undefined ? undefined : redis.state === 'open' ? 'down' : 'up',
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
