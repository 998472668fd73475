import test from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

const upstreams = { api: { targets: ['http://127.0.0.1:3001'] } };
const JWKS = 'http://127.0.0.1:3000/.well-known/jwks.json';
const jwt = { issuer: 'https://auth.example.test', audience: 'cachet-demo', jwksUri: JWKS, algorithms: ['RS256'] };
const SECRET = 's'.repeat(32);

/** A config with `auth` and `routes` (default: one jwt route). */
function configWith(auth: unknown, routes: unknown[] = [{ path: '/v1/*', upstream: 'api', auth: 'jwt' }]): Record<string, unknown> {
  return { upstreams, routes, ...(auth === undefined ? {} : { auth }) };
}

test('auth: defaults, several providers in order, identity headers lower-cased (RFC 9110 §5.1)', () => {
  const config = validateConfig(
    configWith({
      jwt: { ...jwt, audience: ['a', 'b'], jwks: { cooldownMs: '5s' } },
      providers: [
        {
          name: 'partners',
          issuer: 'https://partners.example.test',
          audience: 'p',
          jwksUri: 'https://partners.example.test/jwks',
          algorithms: ['ES256', 'EdDSA'],
          clockToleranceSec: '1m',
        },
        {
          name: 'opaque',
          introspection: { endpoint: 'http://127.0.0.1:4000/introspect', clientId: 'cachet', clientSecret: 'x', audience: 'api' },
        },
      ],
      maxTokenBytes: '16KiB',
      identityHeaders: { subject: 'X-User', claims: { tenant: 'X-Auth-Tenant' } },
    }),
  );
  assert.deepEqual(config.auth, {
    providers: [
      {
        kind: 'jwt',
        name: 'default',
        issuer: jwt.issuer,
        audience: ['a', 'b'],
        algorithms: ['RS256'],
        clockToleranceSec: 30,
        keys: { type: 'jwks', uri: JWKS, cooldownMs: 5000, maxAgeMs: 600_000, timeoutMs: 2000 },
      },
      {
        kind: 'jwt',
        name: 'partners',
        issuer: 'https://partners.example.test',
        audience: ['p'],
        algorithms: ['ES256', 'EdDSA'],
        clockToleranceSec: 60,
        keys: { type: 'jwks', uri: 'https://partners.example.test/jwks', cooldownMs: 30_000, maxAgeMs: 600_000, timeoutMs: 2000 },
      },
      {
        kind: 'introspection',
        name: 'opaque',
        endpoint: 'http://127.0.0.1:4000/introspect',
        clientId: 'cachet',
        clientSecret: 'x',
        issuer: undefined,
        audience: ['api'],
        cacheMaxSec: 60,
        timeoutMs: 2000,
      },
    ],
    realm: 'cachet',
    maxTokenBytes: 16 * 1024,
    verificationCache: { maxEntries: 10_000, maxTtlSec: 300 },
    identityHeaders: { subject: 'x-user', scopes: 'x-auth-scopes', claims: { tenant: 'x-auth-tenant' } },
  });
  assert.ok(Object.isFrozen(config.auth?.providers[0]));
});

test('auth: secret, PEM and JWK key sources', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jwk = JSON.stringify({ ...publicKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' });
  const keysOf = (source: Record<string, unknown>, algorithms: string[]) =>
    validateConfig(configWith({ jwt: { issuer: 'i', audience: 'a', algorithms, ...source } })).auth?.providers[0];
  assert.deepEqual(keysOf({ secret: SECRET }, ['HS256']), {
    kind: 'jwt',
    name: 'default',
    issuer: 'i',
    audience: ['a'],
    algorithms: ['HS256'],
    clockToleranceSec: 30,
    keys: { type: 'secret', secret: SECRET },
  });
  const fromPem = keysOf({ publicKey: pem }, ['ES256']);
  assert.deepEqual(fromPem?.kind === 'jwt' ? fromPem.keys : undefined, { type: 'public-key', key: pem });
  assert.doesNotThrow(() => keysOf({ publicKey: jwk }, ['ES256']));
  assert.doesNotThrow(() => keysOf({ secret: 'x'.repeat(64) }, ['HS256', 'HS512']));
});

test('routes: claims, tokenCookie, cors and per-user caching are built with defaults', () => {
  const config = validateConfig(
    configWith({ jwt }, [
      {
        path: '/app/*',
        upstream: 'api',
        methods: ['GET', 'HEAD'],
        auth: 'jwt',
        claims: { tenant: 'acme', level: 3, admin: false },
        tokenCookie: 'session',
        cors: {
          origins: ['https://App.Example.test:443/'],
          headers: ['Authorization', 'Content-Type'],
          exposeHeaders: ['X-Request-ID'],
          credentials: true,
        },
      },
      {
        path: '/me/*',
        upstream: 'api',
        auth: 'jwt',
        cache: { perUser: true },
        cors: { origins: ['*'], methods: ['GET', 'PUT'], maxAgeSec: '1h' },
      },
      { path: '/*', upstream: 'api', cache: 'false' },
    ]),
  );
  const [app, me, rest] = config.routes;
  assert.deepEqual(app?.claims, { tenant: 'acme', level: 3, admin: false });
  assert.equal(app?.tokenCookie, 'session');
  assert.equal(app?.perUserCache, false);
  assert.deepEqual(app?.cors, {
    origins: ['https://app.example.test'],
    methods: ['GET', 'HEAD'],
    headers: ['authorization', 'content-type'],
    exposeHeaders: ['x-request-id'],
    credentials: true,
    maxAgeSec: 600,
  });
  assert.equal(me?.cache, true);
  assert.equal(me?.perUserCache, true);
  assert.deepEqual(me?.cors, {
    origins: ['*'],
    methods: ['GET', 'PUT'],
    headers: [],
    exposeHeaders: [],
    credentials: false,
    maxAgeSec: 3600,
  });
  // `cache: ${CACHE}` expands to text; a route's cache key still reads it as a boolean.
  assert.equal(rest?.cache, false);
  assert.equal(rest?.cors, undefined);
  assert.equal(rest?.tokenCookie, undefined);
  const defaultMethods = validateConfig(
    configWith({ jwt }, [{ path: '/*', upstream: 'api', auth: 'jwt', cors: { origins: ['http://localhost:5173'] } }]),
  );
  assert.deepEqual(defaultMethods.routes[0]?.cors?.methods, ['GET', 'HEAD', 'POST']);
});

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecJwk = ec.publicKey.export({ format: 'jwk' });
const privateJwk = ec.privateKey.export({ format: 'jwk' });
const privatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const route = (extra: Record<string, unknown>) => [{ path: '/*', upstream: 'api', auth: 'jwt', ...extra }];

// Each row: a config, and the issue it must produce (exactly, as users read it).
const rejected: Array<[string, Record<string, unknown>, string]> = [
  ['empty auth section', configWith({}), 'auth: needs at least one token provider, expected auth.jwt or auth.providers'],
  [
    'empty providers without jwt',
    configWith({ providers: [] }),
    'auth.providers: must not be empty without auth.jwt, expected at least one provider',
  ],
  [
    'provider names are unique',
    configWith({ jwt, providers: [{ name: 'default', issuer: 'x', audience: 'a', jwksUri: JWKS, algorithms: ['RS256'] }] }),
    'auth.providers[0].name: repeats the provider name "default" of auth.jwt, expected a unique name',
  ],
  [
    'provider name form',
    configWith({ providers: [{ name: 'my idp', issuer: 'x', audience: 'a', jwksUri: JWKS, algorithms: ['RS256'] }] }),
    'auth.providers[0].name: is not a valid provider name, expected letters, digits, ".", "_" and "-", starting with a letter or digit',
  ],
  [
    'issuers are unique among JWT providers (tokens pick their provider by iss)',
    configWith({ jwt, providers: [{ name: 'b', ...jwt }] }),
    'auth.providers[0].issuer: repeats the issuer of auth.jwt, expected one provider per issuer (tokens are matched to providers by iss)',
  ],
  ['provider needs a name', configWith({ providers: [{ ...jwt }] }), 'auth.providers[0].name: is required, expected a provider name'],
  [
    'JWT provider needs its audience (RFC 8725 §3.9)',
    configWith({ providers: [{ name: 'p', issuer: 'x', jwksUri: JWKS, algorithms: ['RS256'] }] }),
    'auth.providers[0].audience: is required',
  ],
  [
    'introspection provider takes no JWT keys',
    configWith({ providers: [{ name: 'o', issuer: 'x', introspection: { endpoint: 'http://a/i', clientId: 'c', clientSecret: 's' } }] }),
    'auth.providers[0].issuer: unknown key for an introspection provider, expected one of name, introspection',
  ],
  [
    'unknown key in a JWT provider',
    configWith({ providers: [{ name: 'p', ...jwt, kid: 'x' }] }),
    'auth.providers[0].kid: unknown key for a JWT provider, expected one of name, issuer, audience, jwksUri, secret, publicKey, algorithms, clockToleranceSec, jwks',
  ],
  [
    'introspection endpoint scheme',
    configWith({ providers: [{ name: 'o', introspection: { endpoint: 'ftp://a/i', clientId: 'c', clientSecret: 's' } }] }),
    'auth.providers[0].introspection.endpoint: must be an http(s) URL (got "ftp://a/i")',
  ],
  [
    'introspection credentials live in clientId/clientSecret',
    configWith({ providers: [{ name: 'o', introspection: { endpoint: 'http://u:p@a/i', clientId: 'c', clientSecret: 's' } }] }),
    'auth.providers[0].introspection.endpoint: must not contain credentials, expected them in clientId and clientSecret',
  ],
  [
    'introspection needs client credentials',
    configWith({ providers: [{ name: 'o', introspection: { endpoint: 'http://a/i', clientId: 'c' } }] }),
    'auth.providers[0].introspection.clientSecret: is required',
  ],
  [
    'jwks tuning only with jwksUri',
    configWith({ jwt: { ...jwt, jwksUri: undefined, secret: SECRET, algorithms: ['HS256'], jwks: { cooldownMs: 1 } } }),
    'auth.jwt.jwks: applies only with jwksUri, expected it removed or jwksUri set',
  ],
  [
    'algorithms must fit a secret (RFC 8725 §3.1)',
    configWith({ providers: [{ name: 'p', issuer: 'x', audience: 'a', secret: SECRET, algorithms: ['HS256', 'RS256'] }] }),
    'auth.providers[0].algorithms: must all be HS256, HS384 or HS512 with a secret (got RS256)',
  ],
  [
    'no HS* with JWKS (key confusion, RFC 8725 §2.1)',
    configWith({ jwt: { ...jwt, algorithms: ['RS256', 'HS256'] } }),
    'auth.jwt.algorithms: must not include HMAC algorithms with jwksUri (got HS256), expected RS*, PS*, ES* or EdDSA',
  ],
  [
    'HS512 needs a 64-byte secret (RFC 7518 §3.2)',
    configWith({ jwt: { issuer: 'i', audience: 'a', secret: SECRET, algorithms: ['HS512'] } }),
    'auth.jwt.secret: is 32 bytes, expected at least 64 for HS512 (RFC 7518 §3.2)',
  ],
  [
    'HS256 secret under 32 characters (RFC 7518 §3.2)',
    configWith({ jwt: { issuer: 'i', audience: 'a', secret: 's'.repeat(31), algorithms: ['HS256'] } }),
    'auth.jwt.secret: must be at least 32 characters long (got 31)',
  ],
  [
    'private PEM as publicKey',
    configWith({ jwt: { issuer: 'i', audience: 'a', publicKey: privatePem, algorithms: ['ES256'] } }),
    'auth.jwt.publicKey: must be a public key, not a private key',
  ],
  [
    'private JWK as publicKey',
    configWith({ jwt: { issuer: 'i', audience: 'a', publicKey: JSON.stringify(privateJwk), algorithms: ['ES256'] } }),
    'auth.jwt.publicKey: contains private key material ("d"), expected the public JWK only',
  ],
  [
    'symmetric JWK as publicKey',
    configWith({ jwt: { issuer: 'i', audience: 'a', publicKey: '{"kty":"oct","k":"c2VjcmV0"}', algorithms: ['ES256'] } }),
    'auth.jwt.publicKey: is a symmetric JWK, expected a public key (use secret for HMAC)',
  ],
  [
    'JWK alg outside algorithms',
    configWith({ jwt: { issuer: 'i', audience: 'a', publicKey: JSON.stringify({ ...ecJwk, alg: 'ES384' }), algorithms: ['ES256'] } }),
    'auth.jwt.publicKey: is a JWK for ES384, expected its alg among algorithms (ES256)',
  ],
  [
    'JWK of the wrong key type',
    configWith({ jwt: { issuer: 'i', audience: 'a', publicKey: JSON.stringify(ecJwk), algorithms: ['PS256'] } }),
    'auth.jwt.publicKey: is a ec key, which cannot verify PS256',
  ],
  [
    'JWK for encryption',
    configWith({ jwt: { issuer: 'i', audience: 'a', publicKey: JSON.stringify({ ...ecJwk, use: 'enc' }), algorithms: ['ES256'] } }),
    'auth.jwt.publicKey: is not a signing key, expected use "sig" or no use',
  ],
  [
    'realm is a quoted-string (RFC 9110 §11.2)',
    configWith({ jwt, realm: 'a"b' }),
    'auth.realm: must not contain ", \\ or control characters, expected plain text such as cachet (got "a\\"b")',
  ],
  [
    'identity header name (RFC 9110 §5.1)',
    configWith({ jwt, identityHeaders: { subject: 'X User' } }),
    'auth.identityHeaders.subject: must be a field name (RFC 9110 §5.1), such as X-Auth-Subject (got "X User")',
  ],
  [
    'identity header overwriting a gateway field',
    configWith({ jwt, identityHeaders: { claims: { tenant: 'Authorization' } } }),
    'auth.identityHeaders.claims.tenant: is a field the gateway sets or reads itself, expected a name of its own such as X-Auth-Subject (got "Authorization")',
  ],
  [
    'identity headers are distinct (case-insensitive)',
    configWith({ jwt, identityHeaders: { scopes: 'X-Auth-SUBJECT' } }),
    'auth.identityHeaders.scopes: repeats the header of auth.identityHeaders.subject (names are case-insensitive), expected a distinct name',
  ],
  [
    'verification cache needs an entry',
    configWith({ jwt, verificationCache: { maxEntries: 0 } }),
    'auth.verificationCache.maxEntries: must be at least 1 (got 0)',
  ],
  [
    'claims on auth: none are never checked',
    configWith({ jwt }, [{ path: '/*', upstream: 'api', claims: { tenant: 'acme' } }]),
    'routes[0].claims: are never checked on a route with auth: none, expected auth: jwt (or optional)',
  ],
  [
    'tokenCookie on auth: none',
    configWith({ jwt }, [{ path: '/*', upstream: 'api', methods: ['GET'], tokenCookie: 's' }]),
    'routes[0].tokenCookie: is never checked on a route with auth: none, expected auth: jwt (or optional)',
  ],
  [
    'claims without a provider',
    configWith(undefined, route({ claims: { tenant: 'acme' } })),
    "routes[0].auth: 'jwt' needs a token provider, expected an auth section with jwt or providers",
  ],
  [
    'claim values are scalars',
    configWith({ jwt }, route({ claims: { tenant: ['a'] } })),
    'routes[0].claims.tenant: must be a string, number or boolean (got a list)',
  ],
  [
    'scope tokens (RFC 6749 §3.3)',
    configWith({ jwt }, route({ scopes: ['read write'] })),
    'routes[0].scopes[0]: must be a scope token (RFC 6749 §3.3: no spaces, quotes or backslashes) (got "read write")',
  ],
  [
    'tokenCookie only for safe methods (CSRF, RFC 9110 §9.2.1)',
    configWith({ jwt }, route({ tokenCookie: 'session', methods: ['GET', 'POST'] })),
    'routes[0].tokenCookie: needs methods limited to GET, HEAD and OPTIONS, since browsers send cookies cross-site (CSRF) (got POST); send the token in Authorization for other methods',
  ],
  [
    'tokenCookie on a route taking every method',
    configWith({ jwt }, route({ tokenCookie: 'session' })),
    'routes[0].tokenCookie: needs methods limited to GET, HEAD and OPTIONS, since browsers send cookies cross-site (CSRF) (got every method); send the token in Authorization for other methods',
  ],
  [
    'tokenCookie is a cookie name (RFC 6265 §4.1.1)',
    configWith({ jwt }, route({ tokenCookie: 'my session', methods: ['GET'] })),
    'routes[0].tokenCookie: must be a cookie name (RFC 6265 §4.1.1: a token) (got "my session")',
  ],
  [
    'perUser needs auth: jwt',
    configWith({ jwt }, [{ path: '/*', upstream: 'api', auth: 'optional', cache: { perUser: true } }]),
    'routes[0].cache.perUser: needs auth: jwt (responses are keyed by the verified subject), got auth: optional',
  ],
  [
    'perUser on a public route',
    configWith(undefined, [{ path: '/*', upstream: 'api', cache: { perUser: true } }]),
    'routes[0].cache.perUser: needs auth: jwt (responses are keyed by the verified subject), got auth: none',
  ],
  [
    'cache takes a boolean or perUser',
    configWith({ jwt }, route({ cache: { shared: true } })),
    'routes[0].cache.shared: unknown key, expected one of enabled, perUser, defaultTtlSec, ignoreQuery, sortQuery, keyHeaders',
  ],
  [
    'cors * with credentials (Fetch: CORS check)',
    configWith({ jwt }, route({ cors: { origins: ['*'], credentials: true } })),
    'routes[0].cors.credentials: cannot be true with origins: * (the CORS protocol forbids it), expected exact origins',
  ],
  [
    'cors * with other origins',
    configWith({ jwt }, route({ cors: { origins: ['*', 'https://a.test'] } })),
    'routes[0].cors.origins: lists * with other origins, expected * alone or exact origins only',
  ],
  [
    'cors origin with a path',
    configWith({ jwt }, route({ cors: { origins: ['https://a.test/app'] } })),
    'routes[0].cors.origins[0]: must not have a path, query or fragment, expected an origin such as https://app.example.test or * (got "https://a.test/app")',
  ],
  [
    'cors origin without a scheme',
    configWith({ jwt }, route({ cors: { origins: ['a.test'] } })),
    'routes[0].cors.origins[0]: must be an http(s) origin, expected an origin such as https://app.example.test or * (got "a.test")',
  ],
  [
    'cors origin "null"',
    configWith({ jwt }, route({ cors: { origins: ['null'] } })),
    'routes[0].cors.origins[0]: must not be "null" (sandboxed documents and local files all send it), expected an origin such as https://app.example.test or * (got "null")',
  ],
  [
    'cors origin repeated once serialised',
    configWith({ jwt }, route({ cors: { origins: ['https://a.test', 'https://A.test:443'] } })),
    'routes[0].cors.origins[1]: repeats an earlier origin (https://a.test)',
  ],
  [
    'cors methods are upper-case (RFC 9110 §9.1)',
    configWith({ jwt }, route({ cors: { origins: ['https://a.test'], methods: ['get'] } })),
    'routes[0].cors.methods[0]: must be upper-case, methods are case-sensitive (RFC 9110 §9.1), expected GET',
  ],
  [
    'cors header names (RFC 9110 §5.1)',
    configWith({ jwt }, route({ cors: { origins: ['https://a.test'], headers: ['x y'] } })),
    'routes[0].cors.headers[0]: must be a field name (RFC 9110 §5.1), such as content-type (got "x y")',
  ],
  [
    'cors needs origins',
    configWith({ jwt }, route({ cors: {} })),
    'routes[0].cors.origins: is required, expected exact origins such as https://app.example.test, or *',
  ],
];

for (const [name, raw, issue] of rejected) {
  test(`refused: ${name}`, () => {
    const issues = issuesOf(raw);
    assert.ok(issues.includes(issue), `expected\n  ${issue}\namong\n  ${issues.join('\n  ')}`);
  });
}

test('client secrets and HMAC secrets are never echoed', () => {
  const secret = 'y'.repeat(40);
  const issues = issuesOf(
    configWith({
      jwt: { issuer: 'i', audience: 'a', secret, algorithms: ['HS512'] },
      providers: [{ name: 'o', introspection: { endpoint: 'http://a/i', clientId: 'c', clientSecret: 5 } }],
    }),
  );
  assert.ok(issues.length >= 2);
  assert.ok(issues.every((issue) => !issue.includes(secret)));
});
