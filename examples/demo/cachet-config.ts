import { stringify } from 'yaml';

export interface DemoGatewayPlan {
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  /** The issuer's own URL: `iss` of its tokens, and where the JWKS is fetched. */
  readonly issuerUrl: string;
  readonly originUrls: readonly string[];
  /** Largest definitions file the store must hold. */
  readonly definitionsBytes: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** A Redis shared by every instance (the memory tier in front of it holds the definitions too); default: the memory store. */
  readonly redisUrl?: string;
}

/** Environment variable the generated file reads the admin token from, so the token is never written to disk. */
export const ADMIN_TOKEN_ENV = 'CACHET_ADMIN_TOKEN';
export const DEMO_AUDIENCE = 'cachet-demo';
/** Scans one user may submit per minute (the `scans` rate-limit policy). */
export const DEMO_SCANS_PER_MINUTE = 5;
/** Freshness the gateway gives `/v1/feeds/status`, whose origin sends none. */
export const FEED_STATUS_TTL_SEC = 30;
const MIB = 1024 * 1024;

/** The definitions must fit in one entry, and a few versions of them in the store (or memory tier). */
export function sizeStoreFor(definitionsBytes: number): { readonly maxObjectBytes: number; readonly maxBytes: number } {
  const maxObjectBytes = Math.max(64 * MIB, definitionsBytes + MIB);
  return { maxObjectBytes, maxBytes: Math.max(256 * MIB, 3 * maxObjectBytes) };
}

/**
 * The gateway configuration of the demo, as YAML for `cachet run --config`. Route order matters
 * (first match wins): the issuer's public endpoints, the public health probe and feed status, then the API with one
 * route per scope. Routes sharing a path are split by method, so reads and writes need different scopes.
 */
export function renderCachetConfig(plan: DemoGatewayPlan): string {
  const { maxObjectBytes, maxBytes } = sizeStoreFor(plan.definitionsBytes);
  const store =
    plan.redisUrl === undefined
      ? { type: 'memory', maxBytes, maxObjectBytes }
      : { type: 'redis', url: plan.redisUrl, maxObjectBytes, memory: { maxBytes } };
  const api = { upstream: 'api', auth: 'jwt' };
  const config = {
    listen: { host: plan.host, port: plan.port },
    admin: { host: plan.host, port: plan.adminPort, token: `\${${ADMIN_TOKEN_ENV}}` },
    store,
    upstreams: {
      issuer: { targets: [plan.issuerUrl], retries: 0 },
      api: {
        targets: [...plan.originUrls],
        balancer: 'round-robin',
        // Fast probes so a stopped instance leaves the rotation within a second or two.
        healthCheck: { path: '/health', intervalMs: 1000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 },
        passiveHealth: { failureThreshold: 1, ejectMs: 5000 },
        timeouts: { connectMs: 1000, responseMs: 30000 },
        // GET and HEAD are retried once on another instance; POST and PUT never are (RFC 9110 §9.2.2).
        retries: 1,
      },
    },
    auth: {
      jwt: {
        issuer: plan.issuerUrl,
        audience: DEMO_AUDIENCE,
        jwksUri: `${plan.issuerUrl}/.well-known/jwks.json`,
        algorithms: ['RS256'],
        clockToleranceSec: 30,
        // A rotated key is found at once (an unknown kid refetches, at most once a second).
        jwks: { cooldownMs: 1000 },
      },
    },
    routes: [
      { path: '/auth/*', methods: ['POST'], upstream: 'issuer', cache: false },
      { path: '/.well-known/*', methods: ['GET'], upstream: 'issuer' },
      // The issuer published under a path of its own, as Kong's strip_path or nginx's proxy_pass URI would: the prefix
      // goes on the way up (the issuer serves /.well-known/...), the issuer is sent its own Host and none of the
      // client's credentials, and its answers tell browsers not to guess content types. Reads only: its POST
      // endpoints stay unpublished here.
      {
        path: '/issuer/*',
        methods: ['GET'],
        upstream: 'issuer',
        stripPrefix: true,
        upstreamHost: 'target',
        requestHeaders: { remove: ['authorization', 'cookie'] },
        responseHeaders: { set: { 'x-content-type-options': 'nosniff' } },
      },
      { path: '/health', methods: ['GET'], upstream: 'api', cache: false },
      // The origin states no freshness here: the route gives its answers 30 s, and a tracking parameter does not split the key.
      {
        path: '/v1/feeds/status',
        methods: ['GET'],
        upstream: 'api',
        cache: { defaultTtlSec: FEED_STATUS_TTL_SEC, ignoreQuery: ['utm_source'] },
      },
      { path: '/v1/virus-definitions', methods: ['GET'], ...api, scopes: ['definitions:read'] },
      { path: '/v1/threats/*', methods: ['GET'], ...api, scopes: ['threats:read'] },
      // A POST with an Idempotency-Key runs once per key, whichever instance it reaches; its repeats are replayed by cachet.
      {
        path: '/v1/threats/*',
        methods: ['POST', 'PUT'],
        ...api,
        scopes: ['threats:write'],
        idempotency: { required: false, ttlSec: 86400 },
      },
      { path: '/v1/users/me/*', methods: ['GET'], ...api, scopes: ['scans:read'] },
      // Scan submissions are counted per user across every instance: RateLimit fields on each, 429 past the limit.
      { path: '/v1/users/me/*', methods: ['POST'], ...api, scopes: ['scans:write'], rateLimit: 'scans' },
    ],
    rateLimits: { scans: { limit: DEMO_SCANS_PER_MINUTE, windowSec: 60, by: 'subject' } },
    // Surrogate-Key reaches clients too, so the tour can show which tags a write purges.
    cache: { forwardTagHeaders: true },
    shutdown: { drainTimeoutMs: 3000 },
    log: { level: plan.logLevel },
  };
  return `# Generated by examples/demo/stack.ts for one run of the demo stack.\n${stringify(config)}`;
}
