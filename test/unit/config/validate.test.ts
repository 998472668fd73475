import test from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';
import type { Config } from '../../../src/config/types.ts';

const MiB = 1024 * 1024;
const TOKEN = 'admin-token-0123456789';
const minimal = { upstreams: { api: { targets: ['http://127.0.0.1:3001'] } }, routes: [{ path: '/*', upstream: 'api' }] };

/** `minimal` with `patch` merged in at the top level. */
function withMinimal(patch: Record<string, unknown>): Record<string, unknown> {
  return { ...minimal, ...patch };
}

test('a minimal config gets every documented default', () => {
  const expected: Config = {
    listen: { host: '127.0.0.1', port: 8080, http2: false },
    admin: undefined,
    store: { type: 'memory', maxBytes: 256 * MiB, maxObjectBytes: 64 * MiB },
    upstreams: {
      api: {
        name: 'api',
        targets: ['http://127.0.0.1:3001'],
        balancer: 'round-robin',
        healthCheck: undefined,
        passiveHealth: { failureThreshold: 3, resetThreshold: 5, minHealthyPercent: 50, ejectMs: 10_000 },
        timeouts: { connectMs: 2000, responseMs: 30_000 },
        retries: 1,
        connectionsPerTarget: 64,
      },
    },
    routes: [
      {
        path: '/*',
        methods: undefined,
        upstream: 'api',
        auth: 'none',
        scopes: [],
        cache: true,
        perUserCache: false,
        claims: {},
        tokenCookie: undefined,
        cors: undefined,
      },
    ],
    auth: undefined,
    cache: {
      enabled: true,
      targetedField: 'cdn-cache-control',
      surrogateControl: true,
      heuristicFraction: 0.1,
      heuristicMaxSec: 86_400,
      keepStaleSec: 86_400,
      key: { sortQuery: false, ignoreParams: [] },
      forwardTagHeaders: false,
      coalesce: true,
      name: 'cachet',
    },
    limits: {
      maxHeaderBytes: 16 * 1024,
      maxBodyBytes: 10 * MiB,
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 5000,
      http2MaxConcurrentStreams: 100,
    },
    proxy: { trustedProxies: [], via: 'cachet' },
    shutdown: { drainTimeoutMs: 10_000 },
    workers: 1,
    log: { level: 'info', access: false, accessSample: 1 },
  };
  assert.deepEqual(validateConfig(minimal), expected);
});

test('the result is deeply frozen and independent of the input', () => {
  const raw = structuredClone(minimal);
  const config = validateConfig(raw);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.upstreams['api']?.targets));
  assert.ok(Object.isFrozen(config.routes[0]));
  assert.ok(Object.isFrozen(config.cache.key.ignoreParams));
  raw.upstreams.api.targets.push('http://127.0.0.1:3002');
  assert.deepEqual(config.upstreams['api']?.targets, ['http://127.0.0.1:3001']);
});

test('nested defaults: admin, health check and memory store cap', () => {
  const config = validateConfig(
    withMinimal({
      admin: { token: TOKEN },
      store: { maxBytes: '32MiB' },
      upstreams: { api: { targets: ['https://Origin.Example:443/', 'http://127.0.0.1:80'], healthCheck: { path: '/health' } } },
    }),
  );
  assert.deepEqual(config.admin, { host: '127.0.0.1', port: 9901, token: TOKEN });
  // The object cap follows a store smaller than its default rather than failing.
  assert.deepEqual(config.store, { type: 'memory', maxBytes: 32 * MiB, maxObjectBytes: 32 * MiB });
  assert.deepEqual(config.upstreams['api']?.healthCheck, {
    path: '/health',
    intervalMs: 2000,
    timeoutMs: 1000,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  });
  // Targets are kept as origins (URL Standard serialisation: lower-case host, default port dropped).
  assert.deepEqual(config.upstreams['api']?.targets, ['https://origin.example', 'http://127.0.0.1']);
});

test('a redis store takes a url or cluster nodes, with defaults for the memory tier, key prefix and command timeout', () => {
  const single = validateConfig(withMinimal({ store: { type: 'redis', url: 'redis://127.0.0.1:6379' } }));
  assert.deepEqual(single.store, {
    type: 'redis',
    url: 'redis://127.0.0.1:6379',
    memory: { maxBytes: 64 * 1024 * 1024 },
    keyPrefix: 'cachet:',
    commandTimeoutMs: 250,
    streamMaxLength: 10_000,
    coalesceWaitMs: 3000,
    requiredForReadiness: false,
    maxObjectBytes: 64 * 1024 * 1024,
  });
  const cluster = validateConfig(
    withMinimal({
      store: {
        type: 'redis',
        cluster: ['redis://h1:7000', 'rediss://h2:7001'],
        memory: { maxBytes: '8MiB' },
        keyPrefix: 'edge:',
        commandTimeoutMs: '100ms',
        streamMaxLength: 500,
        coalesceWaitMs: '1s',
        requiredForReadiness: true,
        maxObjectBytes: '1MiB',
      },
    }),
  );
  assert.deepEqual(cluster.store, {
    type: 'redis',
    cluster: ['redis://h1:7000', 'rediss://h2:7001'],
    memory: { maxBytes: 8 * 1024 * 1024 },
    keyPrefix: 'edge:',
    commandTimeoutMs: 100,
    streamMaxLength: 500,
    coalesceWaitMs: 1000,
    requiredForReadiness: true,
    maxObjectBytes: 1024 * 1024,
  });
  // A readiness condition on Redis means nothing for the memory store: refused, not ignored.
  assert.throws(() => validateConfig(withMinimal({ store: { type: 'memory', requiredForReadiness: true } })), ConfigError);
  assert.throws(
    () => validateConfig(withMinimal({ store: { type: 'redis', url: 'redis://h:6379', requiredForReadiness: 'yes' } })),
    ConfigError,
  );
});

test('sizes and durations accept unit strings', () => {
  const config = validateConfig(
    withMinimal({
      store: { maxBytes: '1GiB', maxObjectBytes: '10MB' },
      limits: { maxHeaderBytes: '32KiB', maxBodyBytes: 2048, headersTimeoutMs: '10s', requestTimeoutMs: '5m', keepAliveTimeoutMs: '500ms' },
      cache: { keepStaleSec: '1d', heuristicMaxSec: '1h' },
      upstreams: {
        api: { targets: ['http://127.0.0.1:3001'], timeouts: { connectMs: '2s', responseMs: 100 }, passiveHealth: { ejectMs: '30s' } },
      },
      shutdown: { drainTimeoutMs: '15s' },
    }),
  );
  assert.deepEqual(config.store, { type: 'memory', maxBytes: 1024 * MiB, maxObjectBytes: 10_000_000 });
  assert.deepEqual(config.limits, {
    maxHeaderBytes: 32 * 1024,
    maxBodyBytes: 2048,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 300_000,
    keepAliveTimeoutMs: 500,
    http2MaxConcurrentStreams: 100,
  });
  assert.equal(config.cache.keepStaleSec, 86_400);
  assert.equal(config.cache.heuristicMaxSec, 3600);
  assert.deepEqual(config.upstreams['api']?.timeouts, { connectMs: 2000, responseMs: 100 });
  assert.equal(config.upstreams['api']?.passiveHealth.ejectMs, 30_000);
  assert.equal(config.shutdown.drainTimeoutMs, 15_000);
});

test('numbers and booleans written as text are read where the key takes only those (as ${ENV} expands)', () => {
  const config = validateConfig(
    withMinimal({
      listen: { port: '9090' },
      cache: { enabled: 'false', heuristicFraction: '0.2' },
      upstreams: { api: { targets: ['http://a:1'], retries: '0', timeouts: { connectMs: '1500' } } },
      admin: { token: '12345678901234567890' },
    }),
  );
  assert.equal(config.listen.port, 9090);
  assert.equal(config.cache.enabled, false);
  assert.equal(config.cache.heuristicFraction, 0.2);
  assert.equal(config.upstreams['api']?.retries, 0);
  assert.equal(config.upstreams['api']?.timeouts.connectMs, 1500);
  // A string key keeps its text, digits and all.
  assert.equal(config.admin?.token, '12345678901234567890');
});

test('the targeted field is lower-cased (RFC 9110 §5.1: field names are case-insensitive)', () => {
  assert.equal(validateConfig(withMinimal({ cache: { targetedField: 'CDN-Cache-Control' } })).cache.targetedField, 'cdn-cache-control');
});

test('accepted values: route paths, methods, trusted proxies, names', () => {
  const config = validateConfig(
    withMinimal({
      routes: [
        { path: '/', upstream: 'api' },
        { path: '/v1/health', upstream: 'api', methods: ['GET', 'HEAD', 'PURGE'] },
        { path: '/v1/*', upstream: 'api', auth: 'none', scopes: [], cache: false },
      ],
      proxy: { trustedProxies: ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8', '0.0.0.0/0'], via: 'edge-1' },
      cache: { name: 'cachet-eu', key: { sortQuery: true, ignoreParams: ['utm_source'] } },
    }),
  );
  assert.deepEqual(
    config.routes.map((r) => r.path),
    ['/', '/v1/health', '/v1/*'],
  );
  assert.deepEqual(config.routes[1]?.methods, ['GET', 'HEAD', 'PURGE']);
  assert.equal(config.routes[2]?.cache, false);
  assert.equal(config.proxy.trustedProxies.length, 5);
});

// Each row: a config, and the issue it must produce (exactly, as users read it).
const rejected: Array<[string, Record<string, unknown>, string]> = [
  [
    'unknown top-level key',
    { ...minimal, listenn: {} },
    'listenn: unknown key, expected one of listen, admin, store, upstreams, routes, auth, rateLimits, cache, limits, proxy, shutdown, workers, log',
  ],
  [
    'unknown nested key',
    withMinimal({ routes: [{ path: '/*', upstream: 'api', foo: 1 }] }),
    'routes[0].foo: unknown key, expected one of path, methods, upstream, rateLimit, auth, scopes, claims, tokenCookie, accessLog, cors, idempotency, cache, stripPrefix, upstreamHost, requestHeaders, responseHeaders',
  ],
  [
    'unknown key in an upstream',
    withMinimal({ upstreams: { api: { targets: ['http://a:1'], weight: 2 } } }),
    'upstreams.api.weight: unknown key, expected one of targets, balancer, healthCheck, passiveHealth, timeouts, retries, connectionsPerTarget',
  ],
  [
    'unknown key for the store type',
    withMinimal({ store: { type: 'redis', url: 'redis://h:6379', maxBytes: 5 } }),
    'store.maxBytes: unknown key for this store type, expected one of type, url, cluster, memory, keyPrefix, commandTimeoutMs, streamMaxLength, coalesceWaitMs, requiredForReadiness, maxObjectBytes',
  ],
  [
    'bad enum',
    withMinimal({ upstreams: { api: { targets: ['http://a:1'], balancer: 'random' } } }),
    'upstreams.api.balancer: must be one of round-robin, least-connections (got "random")',
  ],
  ['bad store type', withMinimal({ store: { type: 'disk' } }), 'store.type: must be one of memory, redis (got "disk")'],
  [
    'redis without url or cluster',
    withMinimal({ store: { type: 'redis' } }),
    'store: a redis store needs url (one server) or cluster (seed nodes of a Redis Cluster)',
  ],
  [
    'redis with url and cluster',
    withMinimal({ store: { type: 'redis', url: 'redis://h:6379', cluster: ['redis://h:7000'] } }),
    'store.cluster: give either url or cluster, not both',
  ],
  [
    'redis cluster node scheme',
    withMinimal({ store: { type: 'redis', cluster: ['redis://h:7000', 'http://h:7001'] } }),
    'store.cluster[1]: must be a redis:// or rediss:// URL (got "http://h:7001")',
  ],
  [
    'redis command timeout',
    withMinimal({ store: { type: 'redis', url: 'redis://h:6379', commandTimeoutMs: 0 } }),
    'store.commandTimeoutMs: must be at least 1 (got 0)',
  ],
  [
    'redis url scheme',
    withMinimal({ store: { type: 'redis', url: 'http://h:6379' } }),
    'store.url: must be a redis:// or rediss:// URL (got "http://h:6379")',
  ],
  ['wrong type', withMinimal({ listen: { port: 'eighty' } }), 'listen.port: must be a whole number (got "eighty")'],
  ['not a whole number', withMinimal({ listen: { port: 80.5 } }), 'listen.port: must be a whole number (got 80.5)'],
  ['boolean written otherwise', withMinimal({ cache: { enabled: 'on' } }), 'cache.enabled: must be true or false (got "on")'],
  ['port range', withMinimal({ listen: { port: 70_000 } }), 'listen.port: must be between 0 and 65535 (got 70000)'],
  ['missing upstreams', { routes: minimal.routes }, 'upstreams: is required, expected at least one named upstream'],
  ['empty routes', withMinimal({ routes: [] }), 'routes: must not be empty, expected at least one route'],
  [
    'missing targets',
    withMinimal({ upstreams: { api: {} } }),
    'upstreams.api.targets: is required, expected http(s) origins such as http://127.0.0.1:3001',
  ],
  [
    'target with a path',
    withMinimal({ upstreams: { api: { targets: ['http://a:1/api'] } } }),
    'upstreams.api.targets[0]: must not have a path, query or fragment, expected an http(s) origin such as http://127.0.0.1:3001 (got "http://a:1/api")',
  ],
  [
    'target with a query',
    withMinimal({ upstreams: { api: { targets: ['http://a:1?x=1'] } } }),
    'upstreams.api.targets[0]: must not have a path, query or fragment, expected an http(s) origin such as http://127.0.0.1:3001 (got "http://a:1?x=1")',
  ],
  [
    'target scheme',
    withMinimal({ upstreams: { api: { targets: ['ftp://a'] } } }),
    'upstreams.api.targets[0]: has scheme ftp, expected an http(s) origin such as http://127.0.0.1:3001 (got "ftp://a")',
  ],
  [
    'target without scheme',
    withMinimal({ upstreams: { api: { targets: ['127.0.0.1:3001'] } } }),
    'upstreams.api.targets[0]: is missing its scheme (http:// or https://), expected an http(s) origin such as http://127.0.0.1:3001 (got "127.0.0.1:3001")',
  ],
  [
    'target host:port reads as a scheme',
    withMinimal({ upstreams: { api: { targets: ['localhost:3001'] } } }),
    'upstreams.api.targets[0]: is missing its scheme (http:// or https://), expected an http(s) origin such as http://127.0.0.1:3001 (got "localhost:3001")',
  ],
  [
    'target not a URL',
    withMinimal({ upstreams: { api: { targets: ['http://exa mple'] } } }),
    'upstreams.api.targets[0]: is not a URL, expected an http(s) origin such as http://127.0.0.1:3001 (got "http://exa mple")',
  ],
  [
    'target credentials',
    withMinimal({ upstreams: { api: { targets: ['http://u:p@a:1'] } } }),
    'upstreams.api.targets[0]: must not contain credentials, expected an http(s) origin such as http://127.0.0.1:3001 (got "http://u:***@a:1/")',
  ],
  [
    'duplicate target',
    withMinimal({ upstreams: { api: { targets: ['http://a:1', 'http://A:1/'] } } }),
    'upstreams.api.targets[1]: repeats an earlier target (http://a:1)',
  ],
  [
    'upstream name',
    { upstreams: { 'my api': { targets: ['http://a:1'] } }, routes: [{ path: '/*', upstream: 'my api' }] },
    'upstreams["my api"]: is not a valid upstream name, expected letters, digits, ".", "_" and "-", starting with a letter or digit',
  ],
  [
    'route to an unknown upstream',
    withMinimal({ routes: [{ path: '/*', upstream: 'apii' }] }),
    'routes[0].upstream: names no upstream, expected one of api (got "apii")',
  ],
  [
    'route path without /',
    withMinimal({ routes: [{ path: 'v1/*', upstream: 'api' }] }),
    'routes[0].path: must start with /, expected an exact path such as /v1/health or a prefix such as /v1/* (got "v1/*")',
  ],
  [
    'route path *',
    withMinimal({ routes: [{ path: '*', upstream: 'api' }] }),
    'routes[0].path: must start with / (use /* to match every path), expected an exact path such as /v1/health or a prefix such as /v1/* (got "*")',
  ],
  [
    'route * mid-path',
    withMinimal({ routes: [{ path: '/v1/*/x', upstream: 'api' }] }),
    'routes[0].path: may contain * only as a final /* segment, expected an exact path such as /v1/health or a prefix such as /v1/* (got "/v1/*/x")',
  ],
  [
    'route * glued to a name',
    withMinimal({ routes: [{ path: '/v1*', upstream: 'api' }] }),
    'routes[0].path: may contain * only as a final /* segment, expected an exact path such as /v1/health or a prefix such as /v1/* (got "/v1*")',
  ],
  [
    'route path with a query',
    withMinimal({ routes: [{ path: '/a?b', upstream: 'api' }] }),
    'routes[0].path: must not contain spaces, ?, # or ;, expected an exact path such as /v1/health or a prefix such as /v1/* (got "/a?b")',
  ],
  [
    'route path with a parameter (RFC 3986 §3.3)',
    withMinimal({ routes: [{ path: '/a;v=1', upstream: 'api' }] }),
    'routes[0].path: must not contain spaces, ?, # or ;, expected an exact path such as /v1/health or a prefix such as /v1/* (got "/a;v=1")',
  ],
  [
    'lower-case method (RFC 9110 §9.1: methods are case-sensitive)',
    withMinimal({ routes: [{ path: '/*', upstream: 'api', methods: ['get'] }] }),
    'routes[0].methods[0]: must be upper-case, methods are case-sensitive (RFC 9110 §9.1), expected GET',
  ],
  [
    'method not a token (RFC 9110 §9.1)',
    withMinimal({ routes: [{ path: '/*', upstream: 'api', methods: ['GE T'] }] }),
    'routes[0].methods[0]: must be an HTTP method token (RFC 9110 §9.1), such as GET (got "GE T")',
  ],
  [
    'repeated method',
    withMinimal({ routes: [{ path: '/*', upstream: 'api', methods: ['GET', 'GET'] }] }),
    'routes[0].methods: must not repeat items (items 0 and 1 are equal)',
  ],
  [
    'route auth jwt without a provider',
    withMinimal({
      routes: [
        { path: '/a', upstream: 'api' },
        { path: '/*', upstream: 'api', auth: 'jwt' },
      ],
    }),
    "routes[1].auth: 'jwt' needs a token provider, expected an auth section with jwt or providers",
  ],
  [
    'route auth optional without a provider',
    withMinimal({ routes: [{ path: '/*', upstream: 'api', auth: 'optional' }] }),
    "routes[0].auth: 'optional' needs a token provider, expected an auth section with jwt or providers",
  ],
  [
    'route scopes on auth: none (never checked)',
    withMinimal({ routes: [{ path: '/*', upstream: 'api', scopes: ['read'] }] }),
    'routes[0].scopes: are never checked on a route with auth: none, expected auth: jwt (or optional)',
  ],
  [
    'admin without token',
    withMinimal({ admin: { port: 9901 } }),
    'admin.token: is required, expected a bearer token of at least 16 characters',
  ],
  [
    'short admin token (value never echoed)',
    withMinimal({ admin: { token: 'hunter2' } }),
    'admin.token: must be at least 16 characters long (got 7)',
  ],
  [
    'admin port equal to listen port',
    withMinimal({ listen: { port: 8080 }, admin: { port: 8080, token: TOKEN } }),
    'admin.port: must differ from listen.port (both are 8080), expected another port or 0 for any free port',
  ],
  [
    'admin port equal to the default listen port',
    withMinimal({ admin: { port: 8080, token: TOKEN } }),
    'admin.port: must differ from listen.port (both are 8080), expected another port or 0 for any free port',
  ],
  [
    'listen host',
    withMinimal({ listen: { host: '[::1]' } }),
    'listen.host: must be an IP address or a host name (IPv6 addresses are written without brackets, e.g. ::1) (got "[::1]")',
  ],
  [
    'object cap above the store',
    withMinimal({ store: { maxBytes: '1MiB', maxObjectBytes: '2MiB' } }),
    'store.maxObjectBytes: must not exceed store.maxBytes (1048576), expected at most 1048576 (got 2097152)',
  ],
  [
    'bad size',
    withMinimal({ limits: { maxBodyBytes: 'lots' } }),
    'limits.maxBodyBytes: must be a byte size such as 256MiB, 10MB, 512KiB or a whole number of bytes (got "lots")',
  ],
  [
    'size of the wrong type',
    withMinimal({ limits: { maxBodyBytes: true } }),
    'limits.maxBodyBytes: must be a byte size such as 256MiB, 10MB, 512KiB or a whole number of bytes (got true)',
  ],
  [
    'bad duration',
    withMinimal({ shutdown: { drainTimeoutMs: '10 seconds' } }),
    'shutdown.drainTimeoutMs: must be a duration such as 500ms, 30s, 5m or a whole number of milliseconds (got "10 seconds")',
  ],
  [
    'duration below its minimum after conversion',
    withMinimal({ upstreams: { api: { targets: ['http://a:1'], timeouts: { connectMs: '0s' } } } }),
    'upstreams.api.timeouts.connectMs: must be at least 1 (got 0)',
  ],
  [
    'fraction out of range',
    withMinimal({ cache: { heuristicFraction: 1.5 } }),
    'cache.heuristicFraction: must be between 0 and 1 (got 1.5)',
  ],
  [
    'retries out of range',
    withMinimal({ upstreams: { api: { targets: ['http://a:1'], retries: 11 } } }),
    'upstreams.api.retries: must be between 0 and 10 (got 11)',
  ],
  [
    'health check path required',
    withMinimal({ upstreams: { api: { targets: ['http://a:1'], healthCheck: { intervalMs: 100 } } } }),
    'upstreams.api.healthCheck.path: is required, expected a path starting with /',
  ],
  [
    'health check path form',
    withMinimal({ upstreams: { api: { targets: ['http://a:1'], healthCheck: { path: 'health' } } } }),
    'upstreams.api.healthCheck.path: must be a path starting with / and without spaces, such as /health (got "health")',
  ],
  [
    'trusted proxy not an IP',
    withMinimal({ proxy: { trustedProxies: ['10.0.0.0/33'] } }),
    'proxy.trustedProxies[0]: must be an IP address or CIDR range such as 10.0.0.0/8 or ::1 (got "10.0.0.0/33")',
  ],
  [
    'trusted proxy host name',
    withMinimal({ proxy: { trustedProxies: ['proxy.local'] } }),
    'proxy.trustedProxies[0]: must be an IP address or CIDR range such as 10.0.0.0/8 or ::1 (got "proxy.local")',
  ],
  [
    'via pseudonym (RFC 9110 §7.6.3: a token)',
    withMinimal({ proxy: { via: 'my cache' } }),
    'proxy.via: must be a token for Via (RFC 9110 §7.6.3), such as cachet (got "my cache")',
  ],
  [
    'cache name (RFC 9211 §2: an sf-token)',
    withMinimal({ cache: { name: '1cache' } }),
    'cache.name: must be a token for Cache-Status (RFC 9211 §2), such as cachet (got "1cache")',
  ],
  [
    'targeted field (RFC 9110 §5.1: a token)',
    withMinimal({ cache: { targetedField: 'cdn cache' } }),
    'cache.targetedField: must be a field name (RFC 9110 §5.1), such as cdn-cache-control (got "cdn cache")',
  ],
  [
    'log level',
    withMinimal({ log: { level: 'verbose' } }),
    'log.level: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
  ],
  ['not a mapping', [] as unknown as Record<string, unknown>, '(top level): must be a mapping of keys to values (got a list)'],
];

for (const [name, raw, issue] of rejected) {
  test(`refused: ${name}`, () => {
    const issues = issuesOf(raw);
    assert.ok(issues.includes(issue), `expected\n  ${issue}\namong\n  ${issues.join('\n  ')}`);
  });
}

test('every problem is reported at once, in file order, and the message lists them', () => {
  const raw = {
    listen: { port: -1, hots: 'x' },
    upstreams: { api: { targets: ['ftp://a'], balancer: 'random' } },
    routes: [{ path: 'x', upstream: 'nope', foo: 1 }],
    log: { level: 'loud' },
  };
  let error: unknown;
  try {
    validateConfig(raw);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof ConfigError);
  assert.deepEqual(
    error.issues.map((issue) => issue.slice(0, issue.indexOf(':'))),
    [
      'listen.port',
      'listen.hots',
      'upstreams.api.targets[0]',
      'upstreams.api.balancer',
      'routes[0].path',
      'routes[0].upstream',
      'routes[0].foo',
      'log.level',
    ],
  );
  assert.match(error.message, /^invalid configuration \(8 problems\):\n {2}- listen\.port: /);
  for (const issue of error.issues) assert.ok(error.message.includes(issue));
});

test('auth.jwt: key sources, algorithms and key material are checked (RFC 8725 §3.1, RFC 7518 §3.2)', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const auth = (jwt: Record<string, unknown>) =>
    withMinimal({ auth: { jwt: { issuer: 'https://auth.example.test', audience: 'cachet-demo', algorithms: ['RS256'], ...jwt } } });
  assert.doesNotThrow(() => validateConfig(auth({ jwksUri: 'http://127.0.0.1:3000/.well-known/jwks.json', clockToleranceSec: 30 })));
  assert.doesNotThrow(() => validateConfig(auth({ secret: 's'.repeat(32), algorithms: ['HS256'], audience: ['a', 'b'] })));
  assert.doesNotThrow(() => validateConfig(auth({ publicKey: pem, algorithms: ['ES256'] })));

  const cases: Array<[Record<string, unknown>, string]> = [
    [{}, 'auth.jwt: needs exactly one key source, expected one of jwksUri, secret, publicKey (got none)'],
    [
      { jwksUri: 'http://a/jwks', secret: 's'.repeat(32) },
      'auth.jwt: needs exactly one key source, expected one of jwksUri, secret, publicKey (got jwksUri and secret)',
    ],
    // RFC 8725 §3.1: a key is used with one kind of algorithm only.
    [{ secret: 's'.repeat(32) }, 'auth.jwt.algorithms: must all be HS256, HS384 or HS512 with a secret (got RS256)'],
    [
      { jwksUri: 'http://a/jwks', algorithms: ['RS256', 'HS256'] },
      'auth.jwt.algorithms: must not include HMAC algorithms with jwksUri (got HS256), expected RS*, PS*, ES* or EdDSA',
    ],
    [
      { jwksUri: 'http://a/jwks', algorithms: ['none'] },
      'auth.jwt.algorithms[0]: must be one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA (got "none")',
    ],
    [{ jwksUri: 'ftp://a/jwks' }, 'auth.jwt.jwksUri: must be an http(s) URL (got "ftp://a/jwks")'],
    [{ jwksUri: 'not a url' }, 'auth.jwt.jwksUri: must be an absolute URL (got "not a url")'],
    // RFC 7518 §3.2: an HMAC key at least as long as the hash output.
    [{ secret: 'short', algorithms: ['HS256'] }, 'auth.jwt.secret: must be at least 32 characters long (got 5)'],
    [
      { publicKey: 'not a key' },
      'auth.jwt.publicKey: must be a PEM public key or a JWK as JSON, expected text starting with -----BEGIN PUBLIC KEY----- or {',
    ],
    [{ publicKey: pem, algorithms: ['RS256'] }, 'auth.jwt.publicKey: is a ec key, which cannot verify RS256'],
    [{ jwksUri: 'http://a/jwks', audience: [] }, 'auth.jwt.audience: must not be empty, expected a string or a list of strings'],
    [{ jwksUri: 'http://a/jwks', clockToleranceSec: -1 }, 'auth.jwt.clockToleranceSec: must be at least 0 (got -1)'],
  ];
  for (const [jwt, issue] of cases) {
    const issues = issuesOf(auth(jwt));
    assert.ok(issues.includes(issue), `expected\n  ${issue}\namong\n  ${issues.join('\n  ')}`);
  }
  assert.ok(
    issuesOf(withMinimal({ auth: { jwt: { jwksUri: 'http://a/jwks', algorithms: ['RS256'] } } })).includes('auth.jwt.issuer: is required'),
  );
});

test('a secret is never echoed in messages', () => {
  const secret = 'x'.repeat(40);
  let message = '';
  try {
    validateConfig(
      withMinimal({ admin: { port: 8080, token: secret }, auth: { jwt: { issuer: 'i', audience: 'a', algorithms: ['RS256'], secret } } }),
    );
  } catch (err) {
    message = (err as Error).message;
  }
  assert.ok(message.length > 0);
  assert.ok(!message.includes(secret));
});

test('input that is not plain data is refused with a clear issue', () => {
  assert.deepEqual(issuesOf(withMinimal({ log: { level: () => 'info' } })), [
    '(top level): must be plain data (objects, lists, strings, numbers, booleans)',
  ]);
});
