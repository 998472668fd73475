import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRouteTable } from '../../../src/edge/route-table.ts';
import { isCachetError } from '../../../src/errors.ts';

type Route = { path: string; methods: readonly string[] | undefined; name: string };

const route = (name: string, path: string, methods?: readonly string[]): Route => ({ name, path, methods });

function describeMatch(table: ReturnType<typeof createRouteTable<Route>>, path: string, method: string): string {
  const match = table.match(path, method);
  if (match.kind === 'matched') return match.route.name;
  if (match.kind === 'method-not-allowed') return `405 ${match.allow.join(',')}`;
  return '404';
}

const table = createRouteTable<Route>([
  route('v1-read', '/v1/*', ['GET']),
  route('v1-write', '/v1/*', ['POST', 'PUT']),
  route('health', '/health'),
  route('admin', '/admin/*', ['DELETE']),
  route('docs-exact', '/docs'),
  route('static', '/static/*'),
]);

const cases: readonly (readonly [name: string, path: string, method: string, expected: string])[] = [
  ['prefix /v1/* matches /v1 itself', '/v1', 'GET', 'v1-read'],
  ['prefix /v1/* matches /v1/', '/v1/', 'GET', 'v1-read'],
  ['prefix /v1/* matches a descendant', '/v1/items/42', 'GET', 'v1-read'],
  ['prefix /v1/* does not match /v1x (segment boundary)', '/v1x', 'GET', '404'],
  ['prefix /v1/* does not match /v10/a', '/v10/a', 'GET', '404'],
  ['first match wins; a method miss keeps looking', '/v1/items', 'POST', 'v1-write'],
  ['RFC 9110 §9.3.2 a route listing GET accepts HEAD', '/v1/items', 'HEAD', 'v1-read'],
  ['RFC 9110 §15.5.6 path matched, method not: 405 with the union of methods', '/v1/items', 'PATCH', '405 GET,HEAD,POST,PUT'],
  ['RFC 9110 §15.5.6 405 lists only routes whose path matched', '/admin/x', 'GET', '405 DELETE'],
  ['undefined methods match every method', '/health', 'PATCH', 'health'],
  ['exact path is exact', '/health/x', 'GET', '404'],
  ['exact path: trailing slash is significant', '/health/', 'GET', '404'],
  ['RFC 3986 §6.2.2.1 paths are case-sensitive', '/V1/items', 'GET', '404'],
  ['exact route without methods', '/docs', 'GET', 'docs-exact'],
  ['RFC 3986 §3.3 path parameters ignored for matching (exact)', '/health;jsessionid=1', 'GET', 'health'],
  ['RFC 3986 §3.3 path parameters ignored for matching (prefix base)', '/admin;x/users', 'GET', '405 DELETE'],
  ['RFC 3986 §3.3 path parameters ignored for matching (inner segment)', '/static/a;v=2/b.css', 'GET', 'static'],
  ['RFC 3986 §3.3 a parameter does not make a new prefix', '/v1;x', 'GET', 'v1-read'],
  ['unknown path: 404', '/nope', 'GET', '404'],
];

for (const [name, path, method, expected] of cases) {
  test(`route table: ${name} (${method} ${path})`, () => {
    assert.equal(describeMatch(table, path, method), expected);
  });
}

test('route table: /* and * match every path, including the OPTIONS asterisk-form (RFC 9112 §3.2.4)', () => {
  for (const catchAll of ['/*', '*']) {
    const all = createRouteTable<Route>([route('api', '/api/*', ['GET']), route('all', catchAll)]);
    assert.equal(describeMatch(all, '/', 'GET'), 'all');
    assert.equal(describeMatch(all, '/anything/at/all', 'POST'), 'all');
    assert.equal(describeMatch(all, '/api/x', 'POST'), 'all');
    assert.equal(describeMatch(all, '/api/x', 'GET'), 'api');
    assert.equal(describeMatch(all, '*', 'OPTIONS'), 'all');
  }
});

test('route table: a catch-all without the method still yields 405 (RFC 9110 §15.5.6)', () => {
  const t = createRouteTable<Route>([route('all-get', '/*', ['GET'])]);
  assert.equal(describeMatch(t, '/x', 'POST'), '405 GET,HEAD');
});

test('route table: the match result carries the route and its config index', () => {
  const match = table.match('/v1/a', 'PUT');
  assert.equal(match.kind, 'matched');
  if (match.kind === 'matched') {
    assert.equal(match.index, 1);
    assert.equal(match.route.name, 'v1-write');
  }
});

test('route table: the matched result is precompiled (no allocation per request)', () => {
  assert.equal(table.match('/v1/a', 'GET'), table.match('/v1/b', 'GET'));
  assert.equal(table.match('/x', 'GET'), table.match('/y', 'GET'));
});

test('route table: empty table finds nothing', () => {
  assert.equal(createRouteTable<Route>([]).match('/', 'GET').kind, 'not-found');
});

for (const bad of ['v1/*', '/v1*', '/a/*/b', '/*/x', '', '/a;b']) {
  test(`route table: invalid route path ${JSON.stringify(bad)} → CACHET_ERR_CONFIG_INVALID`, () => {
    assert.throws(
      () => createRouteTable<Route>([route('ok', '/ok'), route('bad', bad)]),
      (error) => {
        assert.ok(isCachetError(error));
        assert.equal(error.code, 'CACHET_ERR_CONFIG_INVALID');
        assert.match(error.message, /routes\[1\]/);
        return true;
      },
    );
  });
}
