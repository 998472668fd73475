import type { Duplex } from 'node:stream';
import { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/types.ts';
import type { CacheStore } from '../cache/store/types.ts';
import { sharedConnectionOf } from '../cache/store/redis/shared-store.ts';
import { createCache, type Cache } from '../cache/cache.ts';
import { createAuthenticator, type Authenticator } from '../auth/authenticate.ts';
import type { RevocationList } from '../auth/types.ts';
import { createForwarder } from '../forward/forwarder.ts';
import { createAdmission } from '../edge/admit.ts';
import { createAccessLog, type AccessLog } from '../edge/access-log.ts';
import { createRequestHandler, type RequestHandler } from '../edge/handler.ts';
import { createUpgradeHandler, type UpgradeHandler } from '../edge/upgrade.ts';
import { guardIdempotentRoutes } from '../idempotency/index.ts';
import { createRateLimits } from '../rate-limit/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createUpstreamPool, type UpstreamPool } from '../upstream/pool.ts';

/** What every generation of a gateway shares: the process-lifetime parts. */
export interface GenerationDeps {
  readonly store: CacheStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly revocations: RevocationList;
  /** Tells the other members which keys an unsafe method invalidated here; absent without members. */
  readonly onInvalidate?: (keys: readonly string[]) => Promise<void>;
  /** Gives a connection back to the listener's parser after a refused upgrade. */
  readonly resumeHttp: (socket: Duplex) => void;
  /** A pool created for an upstream (reported desyncs are wired once per pool). */
  readonly onPoolCreated: (pool: UpstreamPool) => void;
}

/**
 * Everything a gateway derives from routes, upstreams, auth and policies, built from one config: the listener
 * hands each request to the current generation's `handleRequest`, and a reload swaps in a new one.
 */
export interface Generation {
  readonly config: Config;
  readonly pools: ReadonlyMap<string, UpstreamPool>;
  /** The cache layer (coalescing, fills in progress); the store under it outlives every generation. */
  readonly cache: Cache;
  readonly handleRequest: RequestHandler;
  readonly upgrades: UpgradeHandler;
  /** Present when `log.access` is on; the listener's parse refusals are logged through the current one. */
  readonly accessLog: AccessLog | undefined;
  /** The metrics this generation registered (rate limits, idempotency), moved into the gateway's registry on swap. */
  readonly registry: Registry;
  readonly authenticator: Authenticator | undefined;
}

/**
 * Builds a generation from `config`. Pools of `previous` whose upstream config is unchanged are carried over,
 * keeping their connections and health; the others are created (not started: see {@link startPools}).
 */
export function buildGeneration(config: Config, deps: GenerationDeps, previous?: Generation): Generation {
  const { store, metrics, logger, clock } = deps;
  const pools = new Map<string, UpstreamPool>();
  for (const [name, upstream] of Object.entries(config.upstreams)) {
    const same = previous?.config.upstreams[name];
    const kept = same !== undefined && JSON.stringify(same) === JSON.stringify(upstream) ? previous?.pools.get(name) : undefined;
    if (kept !== undefined) pools.set(name, kept);
    else {
      const pool = createUpstreamPool(upstream, { clock, logger });
      deps.onPoolCreated(pool);
      pools.set(name, pool);
    }
  }
  // A registry of its own: a second generation's rate-limit and idempotency counters would clash with the first's.
  const registry = new Registry();
  const generationMetrics: Metrics = { ...metrics, registry };

  const accessLog = createAccessLog(config.log);
  // Assembled bottom-up, each layer handed the one below it: pools → forwarder → cache → edge → listener.
  const forwarder = createForwarder({
    proxy: config.proxy,
    identityHeaders: config.auth?.identityHeaders,
    forwardTagHeaders: config.cache.forwardTagHeaders,
    hideSurrogateControl: config.cache.enabled && config.cache.surrogateControl,
    metrics,
    logger,
    ...(accessLog === undefined ? {} : { onUpstream: accessLog.noteTarget }),
  });
  const cache = createCache({
    config: config.cache,
    maxObjectBytes: config.store.maxObjectBytes,
    store,
    forwarder,
    clock,
    metrics,
    logger,
    ...(deps.onInvalidate === undefined ? {} : { onInvalidate: deps.onInvalidate }),
  });
  const authenticator = config.auth === undefined ? undefined : createAuthenticator(config.auth, { clock, revocations: deps.revocations });
  // Rate limits count on the store's own Redis connection: one connection, one circuit breaker.
  const rateLimiter = createRateLimits(config, sharedConnectionOf(store), { registry, logger, clock });
  const admission = createAdmission({
    routes: config.routes,
    upstreams: config.upstreams,
    pools,
    authenticator,
    realm: config.auth?.realm ?? 'cachet',
    maxBodyBytes: config.limits.maxBodyBytes,
    logger,
    metrics,
    ...(rateLimiter === undefined ? {} : { rateLimiter }),
  });
  const front = guardIdempotentRoutes(cache, { config, store, forwarder, clock, metrics: generationMetrics, logger });
  const handleRequest = createRequestHandler({ admission, cache: front, metrics, logger, accessLog });
  // A refused upgrade hands its connection back to the listener's parser, so what follows is a request like any other.
  const upgrades = createUpgradeHandler({
    admission,
    forwarder,
    cacheStatus: cache.bypassStatus,
    metrics,
    logger,
    accessLog,
    resumeHttp: deps.resumeHttp,
  });
  return { config, pools, cache, handleRequest, upgrades, accessLog, registry, authenticator };
}

/** Starts the active health checks of the generation's pools (a carried-over pool is running already). */
export function startPools(generation: Generation): void {
  for (const pool of generation.pools.values()) pool.start();
}

/**
 * Closes what `generation` owns and no generation still in use shares: its authenticator (JWKS timers) and
 * the pools not carried over, which stop their health checks and close each connection once its request ends.
 */
export async function closeGeneration(generation: Generation, inUse: Iterable<Generation>): Promise<void> {
  generation.authenticator?.close();
  const shared = new Set<UpstreamPool>();
  for (const other of inUse) if (other !== generation) for (const pool of other.pools.values()) shared.add(pool);
  await Promise.all([...generation.pools.values()].filter((pool) => !shared.has(pool)).map((pool) => pool.close()));
}

/** Makes `next`'s own metrics the ones the gateway's registry exposes, in place of `previous`'s. */
export function adoptMetrics(registry: Registry, next: Generation, previous?: Generation): void {
  for (const metric of previous?.registry.getMetricsAsArray() ?? []) registry.removeSingleMetric(metric.name);
  for (const { name } of next.registry.getMetricsAsArray()) {
    const metric = next.registry.getSingleMetric(name);
    if (metric !== undefined) registry.registerMetric(metric);
  }
}
