import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/types.ts';
import { systemClock, type Clock } from './clock.ts';
import { CachetError } from './errors.ts';
import { createStore } from './cache/store/index.ts';
import type { CacheStore, PurgeSelector } from './cache/store/types.ts';
import { createUpstreamPool, type UpstreamPool } from './upstream/pool.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createAdminServer } from './admin/server.ts';
import { createListener } from './server/listener.ts';
import { closeGracefully } from './server/shutdown.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { createRevocationList } from './auth/revocation.ts';
import type { RevocationList } from './auth/types.ts';
import { createForwarder } from './forward/forwarder.ts';
import { createCache } from './cache/cache.ts';
import { createAdmission } from './edge/admit.ts';
import { createRequestHandler } from './edge/handler.ts';
import { createUpgradeHandler } from './edge/upgrade.ts';

export interface Gateway {
  /** The local token revocation list (the admin API's `/revocations`). */
  readonly revocations: RevocationList;
  /** Starts the proxy and admin listeners; resolves with their URLs once both accept connections. */
  listen(): Promise<{ url: string; adminUrl: string | undefined }>;
  /** Stops accepting, drains in-flight requests up to `shutdown.drainTimeoutMs`, closes pools and the store. */
  close(): Promise<void>;
  /** Purges stored responses (the admin API's `POST /purge`); answers how many matched. */
  purge(selector: PurgeSelector, soft?: boolean): Promise<number>;
  readonly metrics: Metrics;
  readonly store: CacheStore;
}

export interface GatewayOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Export Node process metrics (event loop, heap, GC) too; the CLI turns this on, tests leave it off. */
  readonly processMetrics?: boolean;
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
  const store = createStore(config.store, { metrics, logger, clock });
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
  });
  const revocations = createRevocationList();
  const authenticator = config.auth === undefined ? undefined : createAuthenticator(config.auth, { clock, revocations });
  const admission = createAdmission({
    routes: config.routes,
    upstreams: config.upstreams,
    pools,
    authenticator,
    realm: config.auth?.realm ?? 'cachet',
    maxBodyBytes: config.limits.maxBodyBytes,
    logger,
  });

  const server = createListener(config.limits, createRequestHandler({ admission, cache, metrics, logger }));
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

  const purge = async (selector: PurgeSelector, soft = false): Promise<number> => {
    const count = await cache.purge(selector, soft);
    const kind = 'url' in selector ? 'url' : 'prefix' in selector ? 'prefix' : 'tag';
    metrics.recordPurge(kind, soft, count);
    logger.info({ selector, soft, count }, 'purge');
    return count;
  };

  let admin: Server | undefined;
  if (config.admin !== undefined) {
    admin = createAdminServer({
      token: config.admin.token,
      purge,
      health: () => summarizeHealth(pools),
      metrics,
      logger,
      revocations,
      now: () => clock.now(),
    });
  }

  return {
    metrics,
    store,
    purge,
    revocations,
    async listen() {
      const url = await listenOn(server, config.listen.host, config.listen.port);
      const adminUrl =
        admin !== undefined && config.admin !== undefined ? await listenOn(admin, config.admin.host, config.admin.port) : undefined;
      for (const pool of pools.values()) pool.start();
      return { url, adminUrl };
    },
    async close() {
      const drainMs = config.shutdown.drainTimeoutMs;
      const cutTunnels = setTimeout(() => upgrades.destroyAll(), drainMs);
      cutTunnels.unref();
      await Promise.all([closeGracefully(server, drainMs), admin === undefined ? undefined : closeGracefully(admin, drainMs)]);
      clearTimeout(cutTunnels);
      authenticator?.close();
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      await store.close();
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

function summarizeHealth(pools: ReadonlyMap<string, UpstreamPool>): {
  status: 'ok' | 'degraded' | 'down';
  upstreams: Array<{ name: string; healthy: number; total: number }>;
} {
  const upstreams = [...pools.values()].map((pool) => {
    const health = pool.health();
    return { name: pool.name, healthy: health.targets.filter((t) => t.healthy).length, total: health.targets.length };
  });
  const down = upstreams.some((u) => u.healthy === 0);
  const degraded = upstreams.some((u) => u.healthy < u.total);
  return { status: down ? 'down' : degraded ? 'degraded' : 'ok', upstreams };
}

function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new CachetError('CACHET_ERR_LISTEN', `cannot listen on ${host}:${port}: ${reason}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}
