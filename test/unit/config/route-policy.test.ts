import test from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

/** Route caching options and upstream rewrites: what they build into, and every refusal with its message. */

const upstreams = { api: { targets: ['http://127.0.0.1:3001'] } };

function withRoute(route: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { upstreams, routes: [{ path: '/v1/*', upstream: 'api', ...route }], ...extra };
}

test('route caching options build into the route; the route key adds to the cache.key section', () => {
  const config = validateConfig(
    withRoute(
      { cache: { defaultTtlSec: '2m', ignoreQuery: ['fbclid', 'utm_source'], keyHeaders: ['X-Tenant', 'Accept-Language'] } },
      { cache: { key: { sortQuery: true, ignoreParams: ['utm_source'] } } },
    ),
  );
  const [route] = config.routes;
  assert.equal(route?.cache, true);
  assert.equal(route?.defaultTtlSec, 120);
  assert.deepEqual(route?.cacheKey, { sortQuery: true, ignoreParams: ['utm_source', 'fbclid'], headers: ['x-tenant', 'accept-language'] });
  assert.equal(route?.upstreamRequest, undefined);
  assert.equal(route?.responseHeaders, undefined);
});

test('route cache.sortQuery overrides cache.key.sortQuery; cache.enabled: false is cache: false', () => {
  const config = validateConfig({
    upstreams,
    cache: { key: { sortQuery: true } },
    routes: [
      { path: '/a/*', upstream: 'api', cache: { sortQuery: false } },
      { path: '/b/*', upstream: 'api', cache: { enabled: false } },
    ],
  });
  assert.deepEqual(config.routes[0]?.cacheKey, { sortQuery: false, ignoreParams: [], headers: [] });
  assert.equal(config.routes[1]?.cache, false);
  assert.equal(config.routes[1]?.cacheKey, undefined);
});

test('upstream rewrites build into the route, field names lower-cased', () => {
  const config = validateConfig(
    withRoute({
      stripPrefix: true,
      upstreamHost: 'API.Internal:8080',
      requestHeaders: { set: { 'X-Api-Version': '2' }, remove: ['Cookie'] },
      responseHeaders: { set: { 'Cache-Control': 'no-store' }, remove: ['X-Powered-By'] },
    }),
  );
  const [route] = config.routes;
  assert.deepEqual(route?.upstreamRequest, {
    stripPrefix: '/v1',
    host: 'api.internal:8080',
    headers: { set: { 'x-api-version': '2' }, remove: ['cookie'] },
  });
  assert.deepEqual(route?.responseHeaders, { set: { 'cache-control': 'no-store' }, remove: ['x-powered-by'] });
  assert.equal(validateConfig(withRoute({ upstreamHost: 'preserve' })).routes[0]?.upstreamRequest, undefined, 'the default is no rewrite');
  assert.equal(validateConfig(withRoute({ upstreamHost: 'target' })).routes[0]?.upstreamRequest?.host, 'target');
});

const refusals: ReadonlyArray<readonly [name: string, route: Record<string, unknown>, issue: string]> = [
  [
    'keys under cache.enabled: false',
    { cache: { enabled: false, defaultTtlSec: 60, keyHeaders: ['x-a'] } },
    'routes[0].cache.enabled: is false, so defaultTtlSec, keyHeaders would do nothing, expected them removed or enabled: true',
  ],
  ['a zero default', { cache: { defaultTtlSec: 0 } }, 'routes[0].cache.defaultTtlSec: must be at least 1 (got 0)'],
  [
    'a parameter name with =',
    { cache: { ignoreQuery: ['a=b'] } },
    'routes[0].cache.ignoreQuery[0]: must be a query parameter name, without & or = (got "a=b")',
  ],
  [
    'a key header that is not a field name',
    { cache: { keyHeaders: ['x tenant'] } },
    'routes[0].cache.keyHeaders[0]: must be a field name (RFC 9110 §5.1), such as x-tenant (got "x tenant")',
  ],
  [
    'Host as a key header',
    { cache: { keyHeaders: ['Host'] } },
    'routes[0].cache.keyHeaders[0]: is always part of the key (the target URI, RFC 9111 §2)',
  ],
  [
    'a key header twice',
    { cache: { keyHeaders: ['x-tenant', 'X-Tenant'] } },
    'routes[0].cache.keyHeaders[1]: repeats x-tenant (field names are case-insensitive)',
  ],
  [
    'stripPrefix on an exact route',
    { path: '/v1/health', stripPrefix: true },
    'routes[0].stripPrefix: needs a prefix route such as /v1/* to strip (got path "/v1/health")',
  ],
  [
    'stripPrefix on /*',
    { path: '/*', stripPrefix: true },
    'routes[0].stripPrefix: needs a prefix route such as /v1/* to strip (got path "/*")',
  ],
  [
    'an upstreamHost with a path',
    { upstreamHost: 'api.internal/v1' },
    'routes[0].upstreamHost: must be preserve, target or a host with an optional port such as api.internal:8080 (got "api.internal/v1")',
  ],
  [
    'a hop-by-hop request field',
    { requestHeaders: { set: { Connection: 'close' } } },
    'routes[0].requestHeaders.set.Connection: is hop-by-hop (RFC 9110 §7.6.1): it belongs to one connection and cachet removes it on every hop, so a route can neither set nor remove it',
  ],
  [
    'a framing request field',
    { requestHeaders: { remove: ['content-length'] } },
    'routes[0].requestHeaders.remove[0]: frames the message (RFC 9112 §6): cachet sets it from the body it sends, so a route can neither set nor remove it',
  ],
  [
    'Host in requestHeaders',
    { requestHeaders: { set: { host: 'a' } } },
    'routes[0].requestHeaders.set.host: is chosen with upstreamHost (preserve, target or a host), so a route can neither set nor remove it',
  ],
  [
    'a validator the cache sends',
    { requestHeaders: { remove: ['If-None-Match'] } },
    "routes[0].requestHeaders.remove[0]: is the client's, or the cache's when it revalidates or fills (RFC 9111 §4.3.1), so a route can neither set nor remove it",
  ],
  [
    'a forwarding field',
    { requestHeaders: { set: { 'X-Forwarded-For': '1.2.3.4' } } },
    'routes[0].requestHeaders.set.X-Forwarded-For: is set by cachet on every request (forwarding, request id, trace context, Via), so a route can neither set nor remove it',
  ],
  [
    'an identity field',
    { requestHeaders: { set: { 'X-Auth-Subject': 'admin' } } },
    'routes[0].requestHeaders.set.X-Auth-Subject: carries the verified identity: cachet sets it and removes client copies, so a route can neither set nor remove it',
  ],
  [
    'a value with a line break',
    { requestHeaders: { set: { 'x-a': 'a\r\nx-b: b' } } },
    'routes[0].requestHeaders.set.x-a: must be a field value (RFC 9110 §5.5): visible characters and inner spaces, no line breaks or control characters',
  ],
  [
    'a name not a token',
    { responseHeaders: { remove: ['x a'] } },
    'routes[0].responseHeaders.remove[0]: must be a field name (RFC 9110 §5.1), such as x-api-version (got "x a")',
  ],
  [
    'a field both set and removed',
    { responseHeaders: { set: { 'X-A': '1' }, remove: ['x-a'] } },
    'routes[0].responseHeaders.remove[0]: is also set (set.X-A), expected one of the two',
  ],
  [
    'a field set twice',
    { responseHeaders: { set: { 'X-A': '1', 'x-a': '2' } } },
    'routes[0].responseHeaders.set.x-a: repeats X-A (field names are case-insensitive)',
  ],
  [
    'a framing response field',
    { responseHeaders: { set: { 'Transfer-Encoding': 'chunked' } } },
    'routes[0].responseHeaders.set.Transfer-Encoding: is hop-by-hop (RFC 9110 §7.6.1): it belongs to one connection and cachet removes it on every hop, so a route can neither set nor remove it',
  ],
  [
    'a field the gateway sets on responses',
    { responseHeaders: { remove: ['Cache-Status'] } },
    'routes[0].responseHeaders.remove[0]: is set by cachet on every response (Age, Cache-Status, request id, Via), so a route can neither set nor remove it',
  ],
];

for (const [name, route, issue] of refusals) {
  test(`route policy refuses ${name}`, () => {
    assert.deepEqual(issuesOf(withRoute(route)), [issue]);
  });
}

test('route policy refuses the identity fields auth.identityHeaders names', () => {
  const auth = {
    jwt: { issuer: 'https://issuer.test', audience: 'a', secret: 's'.repeat(32), algorithms: ['HS256'] },
    identityHeaders: { subject: 'X-User', claims: { tenant: 'X-Tenant' } },
  };
  assert.deepEqual(issuesOf(withRoute({ requestHeaders: { remove: ['x-user', 'X-Tenant', 'x-auth-scopes'] } }, { auth })), [
    'routes[0].requestHeaders.remove[0]: carries the verified identity: cachet sets it and removes client copies, so a route can neither set nor remove it',
    'routes[0].requestHeaders.remove[1]: carries the verified identity: cachet sets it and removes client copies, so a route can neither set nor remove it',
    'routes[0].requestHeaders.remove[2]: carries the verified identity: cachet sets it and removes client copies, so a route can neither set nor remove it',
  ]);
});
