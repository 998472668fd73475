/**
 * The validated, frozen configuration every part of cachet reads. Produced once at start-up by
 * `loadConfigFile` / `buildProxyConfig`; never re-validated per request. Durations carry their unit,
 * sizes are bytes.
 */
export type BalancerKind = 'round-robin' | 'least-connections';
export type RouteAuth = 'none' | 'jwt' | 'optional';

export interface ListenConfig {
  readonly host: string;
  readonly port: number;
}

export interface AdminConfig extends ListenConfig {
  /** Bearer token every admin path but `/health` requires. */
  readonly token: string;
}

export interface MemoryStoreConfig {
  readonly type: 'memory';
  readonly maxBytes: number;
  /** Larger responses stream through uncached. */
  readonly maxObjectBytes: number;
}

export interface RedisStoreConfig {
  readonly type: 'redis';
  readonly url: string;
  readonly maxObjectBytes: number;
}

export type StoreConfig = MemoryStoreConfig | RedisStoreConfig;

export interface HealthCheckConfig {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes that bring a down target back. */
  readonly healthyThreshold: number;
  /** Consecutive failures that take a target down. */
  readonly unhealthyThreshold: number;
}

export interface PassiveHealthConfig {
  /** Consecutive connect failures that eject a target. */
  readonly failureThreshold: number;
  /** How long an ejected target stays out before it is tried again. */
  readonly ejectMs: number;
}

export interface UpstreamConfig {
  readonly name: string;
  /** Origins such as `http://127.0.0.1:3001` (no path). */
  readonly targets: readonly string[];
  readonly balancer: BalancerKind;
  readonly healthCheck: HealthCheckConfig | undefined;
  readonly passiveHealth: PassiveHealthConfig;
  readonly timeouts: {
    readonly connectMs: number;
    /** Time to the response head (→ 504) and between body chunks. */
    readonly responseMs: number;
  };
  /** Extra attempts for idempotent methods, each on another target when one is available. */
  readonly retries: number;
  /** Keep-alive connections per target. */
  readonly connectionsPerTarget: number;
}

export interface RouteConfig {
  /** `/v1/*` matches the prefix `/v1/` and `/v1`; anything else matches exactly. */
  readonly path: string;
  /** Upper-case methods; undefined means every method. */
  readonly methods: readonly string[] | undefined;
  readonly upstream: string;
  readonly auth: RouteAuth;
  readonly scopes: readonly string[];
  /** Cache on this route; off means pass through (Cache-Status: bypass). */
  readonly cache: boolean;
}

export interface CacheConfig {
  readonly enabled: boolean;
  /** RFC 9213 targeted field this cache obeys before Cache-Control (lower-case). */
  readonly targetedField: string;
  /** Heuristic freshness: this fraction of (Date - Last-Modified) (RFC 9111 §4.2.2). */
  readonly heuristicFraction: number;
  readonly heuristicMaxSec: number;
  /** How long a stale response with validators is kept for revalidation. */
  readonly keepStaleSec: number;
  readonly key: {
    readonly sortQuery: boolean;
    /** Query parameters dropped from the key (e.g. utm_source). */
    readonly ignoreParams: readonly string[];
  };
  /** Forward Surrogate-Key / Cache-Tag to clients (off by default). */
  readonly forwardTagHeaders: boolean;
  readonly coalesce: boolean;
  /** Cache name in `Cache-Status` (RFC 9211). */
  readonly name: string;
}

export interface LimitsConfig {
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export interface ProxyConfig {
  /** Peers (IPs or CIDRs) whose X-Forwarded-* values are kept and extended. */
  readonly trustedProxies: readonly string[];
  /** Pseudonym in the `Via` field. */
  readonly via: string;
}

export interface Config {
  readonly listen: ListenConfig;
  readonly admin: AdminConfig | undefined;
  readonly store: StoreConfig;
  readonly upstreams: Readonly<Record<string, UpstreamConfig>>;
  readonly routes: readonly RouteConfig[];
  readonly cache: CacheConfig;
  readonly limits: LimitsConfig;
  readonly proxy: ProxyConfig;
  readonly shutdown: { readonly drainTimeoutMs: number };
  readonly log: { readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}
