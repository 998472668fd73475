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

/** `listen.tls`: file paths are absolute (resolved against the config file's folder). */
export interface TlsConfig {
  readonly cert: string;
  readonly key: string;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** 48 bytes (name, HMAC and AES keys) every instance shares, so sessions resume on any of them. */
  readonly ticketKeys?: string;
}

/** The proxy listener: plain HTTP/1.1, or TLS with HTTP/1.1 and, with `http2`, HTTP/2 on the same port (ALPN). */
export interface ProxyListenConfig extends ListenConfig {
  readonly tls?: TlsConfig;
  /** Offer HTTP/2 (`h2` by ALPN); needs `tls`: cleartext HTTP/2 (h2c) is not offered. */
  readonly http2: boolean;
}

export interface AdminConfig extends ListenConfig {
  /** Bearer token every admin path but `/health` requires. */
  readonly token: string;
  /** Read-only bearer token for `GET /metrics` (and `/health`); refused with 403 elsewhere. */
  readonly metricsToken?: string;
}

export interface MemoryStoreConfig {
  readonly type: 'memory';
  readonly maxBytes: number;
  /** Larger responses stream through uncached. */
  readonly maxObjectBytes: number;
}

/** Redis (standalone or Cluster) shared by every instance, behind an in-process memory tier. */
export interface RedisStoreConfig {
  readonly type: 'redis';
  /** Exactly one of `url` (one server) and `cluster` (seed nodes of a Redis Cluster). */
  readonly url?: string;
  readonly cluster?: readonly string[];
  /** The in-process tier in front of Redis. */
  readonly memory: { readonly maxBytes: number };
  /** Prefix of every Redis key cachet writes. */
  readonly keyPrefix: string;
  /** Bound on every Redis command; a slower answer counts as Redis unavailable. */
  readonly commandTimeoutMs: number;
  /** Entries kept in the stream that carries purges and revocations between instances (`XADD MAXLEN ~`). */
  readonly streamMaxLength: number;
  /** How long a miss waits for another instance fetching the same key (0: misses are not coalesced across instances). */
  readonly coalesceWaitMs: number;
  /** `GET /readyz` answers 503 while Redis is unavailable (default false: the memory tier and the origins answer meanwhile). */
  readonly requiredForReadiness: boolean;
  /** Larger responses stream through uncached. */
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
  /** Consecutive connect failures (refused, unreachable, connect timeout) that eject a target. */
  readonly failureThreshold: number;
  /** Consecutive connections reset or closed after the request was sent, before any response byte, that eject a target. */
  readonly resetThreshold: number;
  /** Passive ejection never leaves fewer healthy targets than this share of the pool (rounded up), nor none. */
  readonly minHealthyPercent: number;
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

export type JwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

export type JwtKeySource =
  /** Remote JWK Set, cached; refreshed on an unknown `kid` at most once per `cooldownMs`; served stale while the endpoint is down. */
  | { readonly type: 'jwks'; readonly uri: string; readonly cooldownMs: number; readonly maxAgeMs: number; readonly timeoutMs: number }
  /** HS* shared secret (at least 32 bytes). */
  | { readonly type: 'secret'; readonly secret: string }
  /** One public key: PEM (SPKI) or a JWK as JSON text. */
  | { readonly type: 'public-key'; readonly key: string };

export interface JwtProviderConfig {
  readonly kind: 'jwt';
  readonly name: string;
  /** Required `iss`; also how a token is matched to its provider. */
  readonly issuer: string;
  /** Accepted `aud` values (a token passes when its aud contains any); undefined = aud not checked. */
  readonly audience: readonly string[] | undefined;
  /** From config only; never from the token header. */
  readonly algorithms: readonly JwtAlgorithm[];
  readonly clockToleranceSec: number;
  readonly keys: JwtKeySource;
}

/** OAuth 2.0 Token Introspection (RFC 7662) for opaque tokens. */
export interface IntrospectionProviderConfig {
  readonly kind: 'introspection';
  readonly name: string;
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** When set, an active token's `iss` must equal it. */
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
  /** Results are cached until the smaller of the token's `exp` and this bound. */
  readonly cacheMaxSec: number;
  readonly timeoutMs: number;
}

export type AuthProviderConfig = JwtProviderConfig | IntrospectionProviderConfig;

export interface AuthConfig {
  readonly providers: readonly AuthProviderConfig[];
  /** `realm` in WWW-Authenticate challenges (RFC 6750 §3). */
  readonly realm: string;
  /** Tokens longer than this are refused before any parsing. */
  readonly maxTokenBytes: number;
  /** Successful verifications kept by token hash, never past the token's own `exp`. */
  readonly verificationCache: { readonly maxEntries: number; readonly maxTtlSec: number };
  /** Lower-case header names for the verified identity sent upstream; client-sent copies are always removed. */
  readonly identityHeaders: {
    readonly subject: string;
    readonly scopes: string;
    /** claim name → header name. */
    readonly claims: Readonly<Record<string, string>>;
  };
}

export interface CorsConfig {
  /** Allowed origins (exact `scheme://host[:port]`), or `*`. */
  readonly origins: readonly string[];
  readonly methods: readonly string[];
  /** Allowed request headers (lower-case). */
  readonly headers: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly credentials: boolean;
  readonly maxAgeSec: number;
}

export interface RouteConfig {
  /** `/v1/*` matches the prefix `/v1/` and `/v1`; anything else matches exactly. */
  readonly path: string;
  /** Upper-case methods; undefined means every method. */
  readonly methods: readonly string[] | undefined;
  readonly upstream: string;
  /** Names of the `rateLimits` policies checked together on this route, in order; absent when none. */
  readonly rateLimit?: readonly string[];
  readonly auth: RouteAuth;
  readonly scopes: readonly string[];
  /** Cache on this route; off means pass through (Cache-Status: bypass). */
  readonly cache: boolean;
  /** Responses marked `private` with a freshness lifetime are stored per verified subject (auth routes only). */
  readonly perUserCache: boolean;
  /** Claims that must equal these values (e.g. `tenant: acme`). */
  readonly claims: Readonly<Record<string, string | number | boolean>>;
  /** Also read the bearer token from this cookie (browsers); the Authorization header wins. */
  readonly tokenCookie: string | undefined;
  readonly cors: CorsConfig | undefined;
  /** Idempotency-Key handling for POST and PATCH; absent when the route has none. */
  readonly idempotency?: IdempotencyConfig;
  /** Freshness for responses that state none (route `cache.defaultTtlSec`); absent when not set. */
  readonly defaultTtlSec?: number;
  /** The route's cache key when it differs from the `cache.key` section; absent otherwise. */
  readonly cacheKey?: RouteCacheKey;
  /** How requests are changed on their way upstream; absent when they go as they came. */
  readonly upstreamRequest?: UpstreamRequestRewrite;
  /** Fields changed on the upstream's responses (fresh or stored) on their way to the client; absent when none. */
  readonly responseHeaders?: HeaderEdits;
  /** `accessLog: false` on the route: its requests write no access log line; absent when they do. */
  readonly accessLog?: false;
}

/** A route's cache key options: the `cache.key` section with the route's own additions. */
export interface RouteCacheKey {
  readonly sortQuery: boolean;
  /** Query parameters left out of the key: `cache.key.ignoreParams` plus the route's `cache.ignoreQuery`. */
  readonly ignoreParams: readonly string[];
  /** Lower-case request fields that select among stored responses, as if every response listed them in Vary. */
  readonly headers: readonly string[];
}

/** Fields set (replacing any the message carries) and removed; names lower-case. */
export interface HeaderEdits {
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

export interface UpstreamRequestRewrite {
  /** The route's prefix without its `/*` (`/v1`), removed from the upstream path; undefined keeps the path. */
  readonly stripPrefix: string | undefined;
  /** `preserve`: the client's Host; `target`: the target's own authority; otherwise this authority. */
  readonly host: string;
  readonly headers: HeaderEdits | undefined;
}

/** Whose requests a rate limit counts together: the verified subject, the client address, a field or a claim. */
export type RateLimitBy =
  | { readonly kind: 'subject' }
  | { readonly kind: 'ip' }
  /** Lower-case field name. */
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'claim'; readonly name: string };

/** What a policy does while the shared store cannot be asked: admit, refuse, or count in this process alone. */
export type RateLimitStoreErrorMode = 'allow' | 'deny' | 'local';

/** One named policy of `rateLimits`: at most `limit` requests per `windowSec` for each client. */
export interface RateLimitPolicyConfig {
  readonly name: string;
  readonly limit: number;
  readonly windowSec: number;
  readonly by: RateLimitBy;
  readonly onStoreError: RateLimitStoreErrorMode;
  /** The limit one process enforces on its own while the shared store is unavailable (`onStoreError: local`). */
  readonly localLimit: number;
}

/** A route's Idempotency-Key handling (draft-ietf-httpapi-idempotency-key-header). */
export interface IdempotencyConfig {
  /** A POST or PATCH without the key is refused (400). */
  readonly required: boolean;
  /** How long a first request's outcome is kept for its repeats. */
  readonly ttlSec: number;
  /** Larger response bodies are not kept: their repeats are refused rather than run again. */
  readonly maxResponseBytes: number;
}

export interface CacheConfig {
  readonly enabled: boolean;
  /** RFC 9213 targeted field this cache obeys before Surrogate-Control and Cache-Control (lower-case). */
  readonly targetedField: string;
  /** Obey Surrogate-Control (W3C Edge Architecture 1.0) before Cache-Control, and keep it from clients. */
  readonly surrogateControl: boolean;
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
  /** SETTINGS_MAX_CONCURRENT_STREAMS the HTTP/2 listener announces. */
  readonly http2MaxConcurrentStreams: number;
}

export interface ProxyConfig {
  /** Peers (IPs or CIDRs) whose X-Forwarded-* values are kept and extended. */
  readonly trustedProxies: readonly string[];
  /** Pseudonym in the `Via` field. */
  readonly via: string;
}

export interface Config {
  readonly listen: ProxyListenConfig;
  readonly admin: AdminConfig | undefined;
  readonly store: StoreConfig;
  readonly upstreams: Readonly<Record<string, UpstreamConfig>>;
  readonly routes: readonly RouteConfig[];
  readonly auth: AuthConfig | undefined;
  readonly cache: CacheConfig;
  readonly limits: LimitsConfig;
  readonly proxy: ProxyConfig;
  /** Named rate-limit policies routes refer to; absent without a `rateLimits` section. */
  readonly rateLimits?: Readonly<Record<string, RateLimitPolicyConfig>>;
  readonly shutdown: { readonly drainTimeoutMs: number };
  /** Processes serving the listen port (`auto` is resolved to the core count); 1 runs no supervisor. */
  readonly workers: number;
  readonly log: {
    readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    /** One JSON line per request on stdout (`log.access`); absent means off. */
    readonly access?: boolean;
    /** The fraction of requests written when `access` is on (0 to 1); absent means every one. */
    readonly accessSample?: number;
  };
}
