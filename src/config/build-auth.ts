import type { AuthConfig, AuthProviderConfig, CorsConfig, JwtAlgorithm, JwtKeySource, RouteAuth, RouteConfig } from './types.ts';
import { CONFIG_DEFAULTS as D } from './schema.ts';

/** The `auth` section after the schema and the semantic checks, durations and sizes already numbers. */
export interface CheckedAuth {
  jwt?: CheckedJwt;
  providers?: Array<(CheckedJwt & { name: string }) | { name: string; introspection: CheckedIntrospection }>;
  realm?: string;
  maxTokenBytes?: number;
  verificationCache?: { maxEntries?: number; maxTtlSec?: number };
  identityHeaders?: { subject?: string; scopes?: string; claims?: Record<string, string> };
}

interface CheckedJwt {
  issuer: string;
  audience?: string | string[];
  jwksUri?: string;
  secret?: string;
  publicKey?: string;
  algorithms: JwtAlgorithm[];
  clockToleranceSec?: number;
  jwks?: { cooldownMs?: number; maxAgeMs?: number; timeoutMs?: number };
}

interface CheckedIntrospection {
  endpoint: string;
  clientId: string;
  clientSecret: string;
  issuer?: string;
  audience?: string | string[];
  cacheMaxSec?: number;
  timeoutMs?: number;
}

export interface CheckedCors {
  origins: string[];
  methods?: string[];
  headers?: string[];
  exposeHeaders?: string[];
  credentials?: boolean;
  maxAgeSec?: number;
}

export interface CheckedRouteAuth {
  methods?: string[];
  auth?: RouteAuth;
  scopes?: string[];
  claims?: Record<string, string | number | boolean>;
  tokenCookie?: string;
  cors?: CheckedCors;
  cache?: boolean | { enabled?: boolean; perUser?: boolean };
}

/** `auth.jwt` becomes the provider named `default`, followed by `auth.providers` in file order. */
export function buildAuth(auth: CheckedAuth | undefined): AuthConfig | undefined {
  if (auth === undefined) return undefined;
  const providers: AuthProviderConfig[] = [];
  if (auth.jwt !== undefined) providers.push(buildJwtProvider(D.auth.jwtProviderName, auth.jwt));
  for (const provider of auth.providers ?? []) {
    providers.push(
      'introspection' in provider
        ? buildIntrospectionProvider(provider.name, provider.introspection)
        : buildJwtProvider(provider.name, provider),
    );
  }
  const headers = auth.identityHeaders ?? {};
  return {
    providers,
    realm: auth.realm ?? D.auth.realm,
    maxTokenBytes: auth.maxTokenBytes ?? D.auth.maxTokenBytes,
    verificationCache: {
      maxEntries: auth.verificationCache?.maxEntries ?? D.auth.verificationCache.maxEntries,
      maxTtlSec: auth.verificationCache?.maxTtlSec ?? D.auth.verificationCache.maxTtlSec,
    },
    // RFC 9110 §5.1: field names are case-insensitive; code compares lower-case names.
    identityHeaders: {
      subject: (headers.subject ?? D.auth.identityHeaders.subject).toLowerCase(),
      scopes: (headers.scopes ?? D.auth.identityHeaders.scopes).toLowerCase(),
      claims: Object.fromEntries(Object.entries(headers.claims ?? {}).map(([claim, name]) => [claim, name.toLowerCase()])),
    },
  };
}

function buildJwtProvider(name: string, jwt: CheckedJwt): AuthProviderConfig {
  return {
    kind: 'jwt',
    name,
    issuer: jwt.issuer,
    audience: toList(jwt.audience),
    algorithms: [...jwt.algorithms],
    clockToleranceSec: jwt.clockToleranceSec ?? D.jwt.clockToleranceSec,
    keys: buildKeySource(jwt),
  };
}

function buildKeySource(jwt: CheckedJwt): JwtKeySource {
  if (jwt.secret !== undefined) return { type: 'secret', secret: jwt.secret };
  if (jwt.publicKey !== undefined) return { type: 'public-key', key: jwt.publicKey };
  return {
    type: 'jwks',
    uri: jwt.jwksUri ?? '',
    cooldownMs: jwt.jwks?.cooldownMs ?? D.jwt.jwks.cooldownMs,
    maxAgeMs: jwt.jwks?.maxAgeMs ?? D.jwt.jwks.maxAgeMs,
    timeoutMs: jwt.jwks?.timeoutMs ?? D.jwt.jwks.timeoutMs,
  };
}

function buildIntrospectionProvider(name: string, i: CheckedIntrospection): AuthProviderConfig {
  return {
    kind: 'introspection',
    name,
    endpoint: i.endpoint,
    clientId: i.clientId,
    clientSecret: i.clientSecret,
    issuer: i.issuer,
    audience: toList(i.audience),
    cacheMaxSec: i.cacheMaxSec ?? D.introspection.cacheMaxSec,
    timeoutMs: i.timeoutMs ?? D.introspection.timeoutMs,
  };
}

/** A route's authentication, caching and CORS fields with every default filled in. */
export function buildRouteAuth(
  route: CheckedRouteAuth,
): Pick<RouteConfig, 'auth' | 'scopes' | 'cache' | 'perUserCache' | 'claims' | 'tokenCookie' | 'cors'> {
  const cache = route.cache ?? D.route.cache;
  return {
    auth: route.auth ?? D.route.auth,
    scopes: [...(route.scopes ?? [])],
    // `cache: { perUser: true }` is a cached route whose private responses are stored per subject.
    cache: typeof cache === 'boolean' ? cache : (cache.enabled ?? D.route.cache),
    perUserCache: typeof cache === 'boolean' ? D.route.perUserCache : (cache.perUser ?? D.route.perUserCache),
    claims: { ...(route.claims ?? {}) },
    tokenCookie: route.tokenCookie,
    cors: route.cors === undefined ? undefined : buildCors(route.cors, route.methods),
  };
}

function buildCors(cors: CheckedCors, routeMethods: readonly string[] | undefined): CorsConfig {
  return {
    // Browsers send the serialised origin (lower-case host, no default port, no slash); compare like with like.
    origins: cors.origins.map((origin) => (origin === '*' ? origin : new URL(origin).origin)),
    methods: [...(cors.methods ?? routeMethods ?? D.cors.methods)],
    headers: (cors.headers ?? []).map((name) => name.toLowerCase()),
    exposeHeaders: (cors.exposeHeaders ?? []).map((name) => name.toLowerCase()),
    credentials: cors.credentials ?? D.cors.credentials,
    maxAgeSec: cors.maxAgeSec ?? D.cors.maxAgeSec,
  };
}

function toList(value: string | string[] | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : [...value];
}
