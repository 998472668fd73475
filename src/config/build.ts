import type { BalancerKind, Config, ProxyListenConfig, StoreConfig, TlsConfig, UpstreamConfig } from './types.ts';
import { CONFIG_DEFAULTS as D } from './schema.ts';
import { buildAuth, buildRouteAuth, type CheckedAuth, type CheckedRouteAuth } from './build-auth.ts';
import { buildRoutePolicy, type CheckedRoutePolicy } from './build-route-policy.ts';
import { buildRouteIdempotency, type CheckedRouteIdempotency } from './idempotency.ts';
import { buildRateLimits, buildRouteRateLimit, type CheckedRateLimit } from './build-rate-limits.ts';

/** A config that passed the schema and the semantic checks, with sizes and durations already numbers. */
interface CheckedConfig {
  listen?: {
    host?: string;
    port?: number;
    tls?: { cert: string; key: string; minVersion?: TlsConfig['minVersion']; ticketKeys?: string };
    http2?: boolean;
  };
  admin?: { host?: string; port?: number; token: string; metricsToken?: string };
  store?: {
    type?: 'memory' | 'redis';
    maxBytes?: number;
    maxObjectBytes?: number;
    url?: string;
    cluster?: string[];
    memory?: { maxBytes?: number };
    keyPrefix?: string;
    commandTimeoutMs?: number;
    streamMaxLength?: number;
    coalesceWaitMs?: number;
    requiredForReadiness?: boolean;
  };
  upstreams: Record<string, CheckedUpstream>;
  routes: CheckedRoute[];
  auth?: CheckedAuth;
  rateLimits?: Record<string, CheckedRateLimit>;
  cache?: {
    enabled?: boolean;
    targetedField?: string;
    surrogateControl?: boolean;
    heuristicFraction?: number;
    heuristicMaxSec?: number;
    keepStaleSec?: number;
    key?: { sortQuery?: boolean; ignoreParams?: string[] };
    forwardTagHeaders?: boolean;
    coalesce?: boolean;
    name?: string;
  };
  limits?: Partial<Config['limits']>;
  proxy?: { trustedProxies?: string[]; via?: string };
  shutdown?: { drainTimeoutMs?: number };
  workers?: number;
  log?: { level?: Config['log']['level']; access?: boolean; accessSample?: number };
}

interface CheckedUpstream {
  targets: string[];
  balancer?: BalancerKind;
  healthCheck?: { path: string; intervalMs?: number; timeoutMs?: number; healthyThreshold?: number; unhealthyThreshold?: number };
  passiveHealth?: Partial<UpstreamConfig['passiveHealth']>;
  timeouts?: { connectMs?: number; responseMs?: number };
  retries?: number;
  connectionsPerTarget?: number;
}

interface CheckedRoute extends CheckedRouteAuth {
  path: string;
  upstream: string;
  rateLimit?: string | string[];
  accessLog?: boolean;
}

/** Fills every default into a checked config and freezes the result, so nothing downstream can change it. */
export function buildConfig(raw: unknown): Config {
  const c = raw as CheckedConfig;
  const cache = c.cache ?? {};
  const limits = c.limits ?? {};
  const config: Config = {
    listen: buildListen(c.listen ?? {}),
    admin:
      c.admin === undefined
        ? undefined
        : {
            host: c.admin.host ?? D.admin.host,
            port: c.admin.port ?? D.admin.port,
            token: c.admin.token,
            ...(c.admin.metricsToken === undefined ? {} : { metricsToken: c.admin.metricsToken }),
          },
    store: buildStore(c.store ?? {}),
    upstreams: Object.fromEntries(Object.entries(c.upstreams).map(([name, upstream]) => [name, buildUpstream(name, upstream)])),
    routes: c.routes.map((route) => ({
      path: route.path,
      methods: route.methods === undefined ? undefined : [...route.methods],
      upstream: route.upstream,
      ...buildRouteRateLimit(route.rateLimit),
      ...buildRouteAuth(route),
      ...buildRoutePolicy(route as CheckedRoutePolicy, {
        sortQuery: cache.key?.sortQuery ?? D.cache.key.sortQuery,
        ignoreParams: cache.key?.ignoreParams ?? [],
      }),
      ...buildRouteIdempotency(route as CheckedRouteIdempotency),
      ...(route.accessLog === false ? { accessLog: false as const } : {}),
    })),
    auth: buildAuth(c.auth),
    cache: {
      enabled: cache.enabled ?? D.cache.enabled,
      // RFC 9110 §5.1: field names are case-insensitive; code compares lower-case names.
      targetedField: (cache.targetedField ?? D.cache.targetedField).toLowerCase(),
      surrogateControl: cache.surrogateControl ?? D.cache.surrogateControl,
      heuristicFraction: cache.heuristicFraction ?? D.cache.heuristicFraction,
      heuristicMaxSec: cache.heuristicMaxSec ?? D.cache.heuristicMaxSec,
      keepStaleSec: cache.keepStaleSec ?? D.cache.keepStaleSec,
      key: { sortQuery: cache.key?.sortQuery ?? D.cache.key.sortQuery, ignoreParams: [...(cache.key?.ignoreParams ?? [])] },
      forwardTagHeaders: cache.forwardTagHeaders ?? D.cache.forwardTagHeaders,
      coalesce: cache.coalesce ?? D.cache.coalesce,
      name: cache.name ?? D.cache.name,
    },
    limits: {
      maxHeaderBytes: limits.maxHeaderBytes ?? D.limits.maxHeaderBytes,
      maxBodyBytes: limits.maxBodyBytes ?? D.limits.maxBodyBytes,
      headersTimeoutMs: limits.headersTimeoutMs ?? D.limits.headersTimeoutMs,
      requestTimeoutMs: limits.requestTimeoutMs ?? D.limits.requestTimeoutMs,
      keepAliveTimeoutMs: limits.keepAliveTimeoutMs ?? D.limits.keepAliveTimeoutMs,
      http2MaxConcurrentStreams: limits.http2MaxConcurrentStreams ?? D.limits.http2MaxConcurrentStreams,
    },
    proxy: { trustedProxies: [...(c.proxy?.trustedProxies ?? [])], via: c.proxy?.via ?? D.proxy.via },
    ...(c.rateLimits === undefined ? {} : { rateLimits: buildRateLimits(c.rateLimits, c.workers ?? D.workers) }),
    shutdown: { drainTimeoutMs: c.shutdown?.drainTimeoutMs ?? D.shutdown.drainTimeoutMs },
    workers: c.workers ?? D.workers,
    log: {
      level: c.log?.level ?? D.log.level,
      access: c.log?.access ?? D.log.access,
      accessSample: c.log?.accessSample ?? D.log.accessSample,
    },
  };
  return deepFreeze(config);
}

/** The proxy listener; TLS file paths were made absolute by the validation (see `tls-files.ts`). */
function buildListen(listen: NonNullable<CheckedConfig['listen']>): ProxyListenConfig {
  const { tls } = listen;
  return {
    host: listen.host ?? D.listen.host,
    port: listen.port ?? D.listen.port,
    ...(tls === undefined
      ? {}
      : {
          tls: {
            cert: tls.cert,
            key: tls.key,
            minVersion: tls.minVersion ?? D.listen.tls.minVersion,
            ...(tls.ticketKeys === undefined ? {} : { ticketKeys: tls.ticketKeys }),
          },
        }),
    http2: listen.http2 ?? D.listen.http2,
  };
}

function buildStore(store: NonNullable<CheckedConfig['store']>): StoreConfig {
  if (store.type === 'redis') {
    const memoryMaxBytes = store.memory?.maxBytes ?? D.store.redis.memoryMaxBytes;
    return {
      type: 'redis',
      ...(store.cluster === undefined ? { url: store.url ?? '' } : { cluster: [...store.cluster] }),
      memory: { maxBytes: memoryMaxBytes },
      keyPrefix: store.keyPrefix ?? D.store.redis.keyPrefix,
      commandTimeoutMs: store.commandTimeoutMs ?? D.store.redis.commandTimeoutMs,
      streamMaxLength: store.streamMaxLength ?? D.store.redis.streamMaxLength,
      coalesceWaitMs: store.coalesceWaitMs ?? D.store.redis.coalesceWaitMs,
      requiredForReadiness: store.requiredForReadiness ?? false,
      maxObjectBytes: store.maxObjectBytes ?? D.store.maxObjectBytes,
    };
  }
  const maxBytes = store.maxBytes ?? D.store.maxBytes;
  // A small store gets a proportionally small object cap rather than an error about a default nobody wrote.
  return { type: 'memory', maxBytes, maxObjectBytes: store.maxObjectBytes ?? Math.min(D.store.maxObjectBytes, maxBytes) };
}

function buildUpstream(name: string, u: CheckedUpstream): UpstreamConfig {
  const hc = u.healthCheck;
  const dh = D.upstream.healthCheck;
  const ph = u.passiveHealth;
  const dp = D.upstream.passiveHealth;
  return {
    name,
    targets: u.targets.map((target) => new URL(target).origin),
    balancer: u.balancer ?? D.upstream.balancer,
    healthCheck:
      hc === undefined
        ? undefined
        : {
            path: hc.path,
            intervalMs: hc.intervalMs ?? dh.intervalMs,
            timeoutMs: hc.timeoutMs ?? dh.timeoutMs,
            healthyThreshold: hc.healthyThreshold ?? dh.healthyThreshold,
            unhealthyThreshold: hc.unhealthyThreshold ?? dh.unhealthyThreshold,
          },
    passiveHealth: {
      failureThreshold: ph?.failureThreshold ?? dp.failureThreshold,
      resetThreshold: ph?.resetThreshold ?? dp.resetThreshold,
      minHealthyPercent: ph?.minHealthyPercent ?? dp.minHealthyPercent,
      ejectMs: ph?.ejectMs ?? dp.ejectMs,
    },
    timeouts: {
      connectMs: u.timeouts?.connectMs ?? D.upstream.timeouts.connectMs,
      responseMs: u.timeouts?.responseMs ?? D.upstream.timeouts.responseMs,
    },
    retries: u.retries ?? D.upstream.retries,
    connectionsPerTarget: u.connectionsPerTarget ?? D.upstream.connectionsPerTarget,
  };
}

/** Object.freeze all the way down: a config is read by every request and written by none. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
