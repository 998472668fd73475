import type { SchemaObject } from 'ajv';
import { MAX_WORKERS } from './workers.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Every default cachet applies, in one place. The JSON schema below shows them as `default` annotations
 * and the builder reads them from here, so the two cannot drift. `docs/configuration.md` documents them.
 */
export const CONFIG_DEFAULTS = {
  listen: { host: '127.0.0.1', port: 8080, http2: false, tls: { minVersion: 'TLSv1.3' } },
  admin: { host: '127.0.0.1', port: 9901, minTokenLength: 16 },
  store: {
    maxBytes: 256 * MiB,
    maxObjectBytes: 64 * MiB,
    redis: { memoryMaxBytes: 64 * MiB, keyPrefix: 'cachet:', commandTimeoutMs: 250, streamMaxLength: 10_000, coalesceWaitMs: 3000 },
  },
  upstream: {
    balancer: 'round-robin',
    healthCheck: { intervalMs: 2000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 2 },
    passiveHealth: { failureThreshold: 3, resetThreshold: 5, minHealthyPercent: 50, ejectMs: 10_000 },
    timeouts: { connectMs: 2000, responseMs: 30_000 },
    retries: 1,
    connectionsPerTarget: 64,
  },
  route: { auth: 'none', cache: true, perUserCache: false, upstreamHost: 'preserve' },
  cache: {
    enabled: true,
    targetedField: 'cdn-cache-control',
    surrogateControl: true,
    heuristicFraction: 0.1,
    heuristicMaxSec: 86_400,
    keepStaleSec: 86_400,
    key: { sortQuery: false },
    forwardTagHeaders: false,
    coalesce: true,
    name: 'cachet',
  },
  limits: {
    maxHeaderBytes: 16 * KiB,
    maxBodyBytes: 10 * MiB,
    headersTimeoutMs: 30_000,
    requestTimeoutMs: 300_000,
    keepAliveTimeoutMs: 5000,
    /** HTTP/2 streams one connection may have open at once (RFC 9113 §5.1.2); what most servers and CDNs use. */
    http2MaxConcurrentStreams: 100,
  },
  proxy: { via: 'cachet' },
  shutdown: { drainTimeoutMs: 10_000 },
  workers: 1,
  log: { level: 'info', access: false, accessSample: 1 },
  jwt: { clockToleranceSec: 30, jwks: { cooldownMs: 30_000, maxAgeMs: 600_000, timeoutMs: 2000 } },
  introspection: { cacheMaxSec: 60, timeoutMs: 2000 },
  auth: {
    /** Name of the provider the contract's `auth.jwt` section becomes. */
    jwtProviderName: 'default',
    realm: 'cachet',
    maxTokenBytes: 8 * KiB,
    verificationCache: { maxEntries: 10_000, maxTtlSec: 300 },
    identityHeaders: { subject: 'x-auth-subject', scopes: 'x-auth-scopes' },
  },
  /** Methods default to the route's `methods`, else the CORS-safelisted GET, HEAD and POST (Fetch §2.2.1). */
  cors: { methods: ['GET', 'HEAD', 'POST'], credentials: false, maxAgeSec: 600 },
  /**
   * Route `idempotency` (draft-ietf-httpapi-idempotency-key-header): keys are kept a day, as Stripe does; a kept
   * response is held whole in memory when replayed, hence `responseBytesLimit`.
   */
  idempotency: { required: false, ttlSec: 86_400, maxResponseBytes: 1 * MiB, responseBytesLimit: 64 * MiB },
  /** `localLimit` defaults to the limit shared out among this instance's workers (see `build-rate-limits.ts`). */
  rateLimit: { onStoreError: 'local', maxLimit: 1_000_000_000, maxWindowSec: 366 * 86_400 },
} as const;

export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
const BALANCERS = ['round-robin', 'least-connections'] as const;
const ROUTE_AUTH_MODES = ['none', 'jwt', 'optional'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** RFC 7518 §3.1 and RFC 8037 §3.1; `none` is never accepted (RFC 8725 §3.1). */
export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** Custom ajv formats for values the builder converts to numbers (see `units.ts`). */
export const UNIT_FORMATS = {
  'byte-size': 'a byte size such as 256MiB, 10MB, 512KiB or a whole number of bytes',
  'duration-ms': 'a duration such as 500ms, 30s, 5m or a whole number of milliseconds',
  'duration-sec': 'a duration such as 30s, 5m, 1d or a whole number of seconds',
  'worker-count': 'auto or a whole number of processes such as 4',
} as const;
export type UnitFormat = keyof typeof UNIT_FORMATS;

function object(properties: Record<string, SchemaObject>, extra: SchemaObject = {}): SchemaObject {
  return { type: 'object', properties, additionalProperties: false, ...extra };
}

function integer(minimum: number, maximum?: number, fallback?: number): SchemaObject {
  return {
    type: 'integer',
    minimum,
    ...(maximum === undefined ? {} : { maximum }),
    ...(fallback === undefined ? {} : { default: fallback }),
  };
}

function bytes(minimum: number, fallback?: number): SchemaObject {
  return { type: ['integer', 'string'], format: 'byte-size', minimum, ...(fallback === undefined ? {} : { default: fallback }) };
}

function durationMs(minimum: number, fallback?: number): SchemaObject {
  return { type: ['integer', 'string'], format: 'duration-ms', minimum, ...(fallback === undefined ? {} : { default: fallback }) };
}

function durationSec(minimum: number, fallback?: number): SchemaObject {
  return { type: ['integer', 'string'], format: 'duration-sec', minimum, ...(fallback === undefined ? {} : { default: fallback }) };
}

const string: SchemaObject = { type: 'string', minLength: 1 };
const port: SchemaObject = integer(0, 65_535);
const stringList: SchemaObject = { type: 'array', items: string, uniqueItems: true };
const d = CONFIG_DEFAULTS;

const upstreamSchema = object(
  {
    targets: { type: 'array', items: string, minItems: 1, description: 'http(s) origins such as http://127.0.0.1:3001' },
    balancer: { enum: [...BALANCERS], default: d.upstream.balancer },
    healthCheck: object(
      {
        path: { ...string, description: 'a path starting with /' },
        intervalMs: durationMs(1, d.upstream.healthCheck.intervalMs),
        timeoutMs: durationMs(1, d.upstream.healthCheck.timeoutMs),
        healthyThreshold: integer(1, undefined, d.upstream.healthCheck.healthyThreshold),
        unhealthyThreshold: integer(1, undefined, d.upstream.healthCheck.unhealthyThreshold),
      },
      { required: ['path'] },
    ),
    passiveHealth: object({
      failureThreshold: integer(1, undefined, d.upstream.passiveHealth.failureThreshold),
      resetThreshold: integer(1, undefined, d.upstream.passiveHealth.resetThreshold),
      minHealthyPercent: integer(0, 100, d.upstream.passiveHealth.minHealthyPercent),
      ejectMs: durationMs(0, d.upstream.passiveHealth.ejectMs),
    }),
    timeouts: object({
      connectMs: durationMs(1, d.upstream.timeouts.connectMs),
      responseMs: durationMs(1, d.upstream.timeouts.responseMs),
    }),
    retries: integer(0, 10, d.upstream.retries),
    connectionsPerTarget: integer(1, 100_000, d.upstream.connectionsPerTarget),
  },
  { required: ['targets'] },
);

const corsSchema = object(
  {
    origins: {
      type: 'array',
      items: string,
      minItems: 1,
      uniqueItems: true,
      description: 'exact origins such as https://app.example.test, or *',
    },
    methods: { type: 'array', items: string, minItems: 1, uniqueItems: true },
    headers: stringList,
    exposeHeaders: stringList,
    credentials: { type: 'boolean', default: d.cors.credentials },
    maxAgeSec: durationSec(0, d.cors.maxAgeSec),
  },
  { required: ['origins'] },
);

/** Route `requestHeaders` / `responseHeaders`: fields set (name → value) and removed. */
const headerEditsSchema = object({
  set: { type: 'object', additionalProperties: { type: 'string' }, description: 'a mapping of field names to values' },
  remove: { ...stringList, description: 'field names' },
});

const routeSchema = object(
  {
    path: { ...string, description: 'an exact path such as /v1/health, or a prefix ending in /* such as /v1/*' },
    methods: { type: 'array', items: string, minItems: 1, uniqueItems: true },
    upstream: string,
    rateLimit: {
      type: ['string', 'array'],
      minLength: 1,
      items: string,
      minItems: 1,
      uniqueItems: true,
      description: 'a policy name or a list of them',
    },
    auth: { enum: [...ROUTE_AUTH_MODES], default: d.route.auth },
    scopes: stringList,
    claims: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'], description: 'a string, number or boolean' },
      description: 'a mapping of claim names to required values',
    },
    tokenCookie: { ...string, description: 'a cookie name' },
    accessLog: { type: 'boolean', default: true },
    cors: corsSchema,
    idempotency: object({
      required: { type: 'boolean', default: d.idempotency.required },
      ttlSec: durationSec(1, d.idempotency.ttlSec),
      maxResponseBytes: { ...bytes(0, d.idempotency.maxResponseBytes), maximum: d.idempotency.responseBytesLimit },
    }),
    cache: {
      type: ['boolean', 'object'],
      properties: {
        enabled: { type: 'boolean', default: d.route.cache },
        perUser: { type: 'boolean', default: d.route.perUserCache },
        defaultTtlSec: durationSec(1),
        ignoreQuery: { ...stringList, minItems: 1, description: 'query parameter names such as utm_source' },
        sortQuery: { type: 'boolean' },
        keyHeaders: { ...stringList, minItems: 1, description: 'request field names such as x-tenant' },
      },
      additionalProperties: false,
      default: d.route.cache,
      description: 'true, false or a mapping (enabled, perUser, defaultTtlSec, ignoreQuery, sortQuery, keyHeaders)',
    },
    stripPrefix: { type: 'boolean' },
    upstreamHost: { ...string, default: d.route.upstreamHost, description: 'preserve, target or a host such as api.internal:8080' },
    requestHeaders: headerEditsSchema,
    responseHeaders: headerEditsSchema,
  },
  { required: ['path', 'upstream'] },
);

const rateLimitSchema = object(
  {
    limit: integer(1, d.rateLimit.maxLimit),
    windowSec: { ...durationSec(1), maximum: d.rateLimit.maxWindowSec },
    by: { ...string, description: 'subject, ip, header:<name> or claim:<name>' },
    onStoreError: { enum: ['allow', 'deny', 'local'], default: d.rateLimit.onStoreError },
    localLimit: integer(1, d.rateLimit.maxLimit),
  },
  { required: ['limit', 'windowSec', 'by'] },
);

const audience: SchemaObject = {
  type: ['string', 'array'],
  minLength: 1,
  items: string,
  minItems: 1,
  description: 'a string or a list of strings',
};

const jwtProperties: Record<string, SchemaObject> = {
  issuer: string,
  audience,
  jwksUri: { type: 'string', format: 'uri' },
  secret: { type: 'string', minLength: 32, description: 'an HMAC secret of at least 32 characters (RFC 7518 §3.2)' },
  publicKey: { ...string, description: 'a PEM public key (-----BEGIN PUBLIC KEY-----) or a JWK as JSON text' },
  algorithms: { type: 'array', items: { enum: [...JWT_ALGORITHMS] }, minItems: 1, uniqueItems: true },
  clockToleranceSec: durationSec(0, d.jwt.clockToleranceSec),
  jwks: object({
    cooldownMs: durationMs(0, d.jwt.jwks.cooldownMs),
    maxAgeMs: durationMs(1, d.jwt.jwks.maxAgeMs),
    timeoutMs: durationMs(1, d.jwt.jwks.timeoutMs),
  }),
};
const JWT_REQUIRED = ['issuer', 'audience', 'algorithms'];

const jwtSchema = object(jwtProperties, { required: JWT_REQUIRED });

const introspectionSchema = object(
  {
    endpoint: { type: 'string', format: 'uri' },
    clientId: string,
    clientSecret: string,
    issuer: string,
    audience,
    cacheMaxSec: durationSec(0, d.introspection.cacheMaxSec),
    timeoutMs: durationMs(1, d.introspection.timeoutMs),
  },
  { required: ['endpoint', 'clientId', 'clientSecret'] },
);

/** A named provider: a JWT issuer (the keys of `auth.jwt`) or, with `introspection`, an RFC 7662 endpoint. */
const providerSchema: SchemaObject = {
  type: 'object',
  properties: { name: { ...string, description: 'a provider name' }, ...jwtProperties, introspection: introspectionSchema },
  required: ['name'],
  if: { required: ['introspection'] },
  then: { propertyNames: { enum: ['name', 'introspection'], description: 'an introspection provider' } },
  else: { propertyNames: { enum: ['name', ...Object.keys(jwtProperties)], description: 'a JWT provider' }, required: JWT_REQUIRED },
};

const headerName: SchemaObject = { ...string, description: 'a header name such as X-Auth-Subject' };

const authSchema = object({
  jwt: jwtSchema,
  providers: { type: 'array', items: providerSchema },
  realm: { ...string, default: d.auth.realm },
  maxTokenBytes: bytes(1, d.auth.maxTokenBytes),
  verificationCache: object({
    maxEntries: integer(1, undefined, d.auth.verificationCache.maxEntries),
    maxTtlSec: durationSec(0, d.auth.verificationCache.maxTtlSec),
  }),
  identityHeaders: object({
    subject: { ...headerName, default: d.auth.identityHeaders.subject },
    scopes: { ...headerName, default: d.auth.identityHeaders.scopes },
    claims: { type: 'object', additionalProperties: headerName, description: 'a mapping of claim names to header names' },
  }),
});

/**
 * The JSON schema (draft 2020-12 subset understood by ajv) of a cachet config file after YAML parsing and
 * `${ENV}` interpolation. Shape only: cross-field rules (route → upstream, URL forms, IP ranges) live in
 * `semantic.ts`, because their messages must say what is expected.
 */
export const configSchema: SchemaObject = object(
  {
    listen: object({
      host: { ...string, default: d.listen.host },
      port: { ...port, default: d.listen.port },
      tls: object(
        {
          cert: { ...string, description: 'a PEM certificate (chain) file, relative to the config file' },
          key: { ...string, description: 'a PEM private key file, relative to the config file' },
          minVersion: { enum: [...TLS_VERSIONS], default: d.listen.tls.minVersion },
          ticketKeys: { ...string, description: 'a file of 48 random bytes shared by every instance, relative to the config file' },
        },
        { required: ['cert', 'key'] },
      ),
      http2: { type: 'boolean', default: d.listen.http2 },
    }),
    admin: object(
      {
        host: { ...string, default: d.admin.host },
        port: { ...port, default: d.admin.port },
        token: {
          type: 'string',
          minLength: d.admin.minTokenLength,
          description: `a bearer token of at least ${d.admin.minTokenLength} characters`,
        },
        metricsToken: {
          type: 'string',
          minLength: d.admin.minTokenLength,
          description: `a read-only bearer token for GET /metrics, of at least ${d.admin.minTokenLength} characters`,
        },
      },
      { required: ['token'] },
    ),
    store: {
      type: 'object',
      properties: {
        type: { enum: ['memory', 'redis'], default: 'memory' },
        maxBytes: bytes(1, d.store.maxBytes),
        maxObjectBytes: bytes(1, d.store.maxObjectBytes),
        url: { type: 'string', format: 'uri', description: 'a redis:// or rediss:// URL' },
        cluster: {
          type: 'array',
          items: { type: 'string', format: 'uri' },
          minItems: 1,
          uniqueItems: true,
          description: 'redis:// URLs of Redis Cluster seed nodes',
        },
        memory: object({ maxBytes: bytes(1, d.store.redis.memoryMaxBytes) }),
        keyPrefix: { type: 'string', default: d.store.redis.keyPrefix },
        commandTimeoutMs: durationMs(1, d.store.redis.commandTimeoutMs),
        streamMaxLength: integer(100, 10_000_000, d.store.redis.streamMaxLength),
        coalesceWaitMs: durationMs(0, d.store.redis.coalesceWaitMs),
        requiredForReadiness: { type: 'boolean', default: false },
      },
      // The keys a store takes depend on its type; unknown keys are reported against that type.
      if: { properties: { type: { const: 'redis' } }, required: ['type'] },
      then: {
        propertyNames: {
          enum: [
            'type',
            'url',
            'cluster',
            'memory',
            'keyPrefix',
            'commandTimeoutMs',
            'streamMaxLength',
            'coalesceWaitMs',
            'requiredForReadiness',
            'maxObjectBytes',
          ],
        },
      },
      else: { propertyNames: { enum: ['type', 'maxBytes', 'maxObjectBytes'] } },
    },
    upstreams: { type: 'object', additionalProperties: upstreamSchema, minProperties: 1, description: 'at least one named upstream' },
    routes: { type: 'array', items: routeSchema, minItems: 1, description: 'at least one route' },
    auth: authSchema,
    rateLimits: { type: 'object', additionalProperties: rateLimitSchema, description: 'a mapping of policy names to policies' },
    cache: object({
      enabled: { type: 'boolean', default: d.cache.enabled },
      targetedField: { ...string, default: d.cache.targetedField, description: 'a lower-case field name such as cdn-cache-control' },
      surrogateControl: { type: 'boolean', default: d.cache.surrogateControl },
      heuristicFraction: { type: 'number', minimum: 0, maximum: 1, default: d.cache.heuristicFraction },
      heuristicMaxSec: durationSec(0, d.cache.heuristicMaxSec),
      keepStaleSec: durationSec(0, d.cache.keepStaleSec),
      key: object({
        sortQuery: { type: 'boolean', default: d.cache.key.sortQuery },
        ignoreParams: stringList,
      }),
      forwardTagHeaders: { type: 'boolean', default: d.cache.forwardTagHeaders },
      coalesce: { type: 'boolean', default: d.cache.coalesce },
      name: { ...string, default: d.cache.name },
    }),
    limits: object({
      maxHeaderBytes: bytes(1024, d.limits.maxHeaderBytes),
      maxBodyBytes: bytes(0, d.limits.maxBodyBytes),
      headersTimeoutMs: durationMs(1, d.limits.headersTimeoutMs),
      requestTimeoutMs: durationMs(0, d.limits.requestTimeoutMs),
      keepAliveTimeoutMs: durationMs(0, d.limits.keepAliveTimeoutMs),
      http2MaxConcurrentStreams: integer(1, 10_000, d.limits.http2MaxConcurrentStreams),
    }),
    proxy: object({
      trustedProxies: { type: 'array', items: string, description: 'IP addresses or CIDR ranges' },
      via: { ...string, default: d.proxy.via },
    }),
    shutdown: object({ drainTimeoutMs: durationMs(0, d.shutdown.drainTimeoutMs) }),
    workers: { type: ['integer', 'string'], format: 'worker-count', minimum: 1, maximum: MAX_WORKERS, default: d.workers },
    log: object({
      level: { enum: [...LOG_LEVELS], default: d.log.level },
      access: { type: 'boolean', default: d.log.access },
      accessSample: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: d.log.accessSample,
        description: 'a fraction of requests from 0 to 1',
      },
    }),
  },
  { required: ['upstreams', 'routes'] },
);
