import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { startOrigin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway } from '../helpers/gateway.ts';
import { createManualClock } from '../helpers/clock.ts';

/**
 * Per-route caching through the gateway: `cache.defaultTtlSec` for responses that state no freshness, and the
 * route's own key (`ignoreQuery`, `sortQuery`, `keyHeaders`), `cache.enabled: false`.
 */

/** An origin answering `/fields?...` with the fields the query names (`?cc=no-store&set-cookie=a=1`). */
function answerFromQuery(req: http.IncomingMessage, res: http.ServerResponse, _body: Buffer, count: number): void {
  const url = new URL(req.url ?? '/', 'http://origin.test');
  const status = Number(url.searchParams.get('status') ?? 200);
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  for (const [name, value] of url.searchParams)
    if (name !== 'status' && name !== 'n') headers[name === 'cc' ? 'cache-control' : name] = value;
  res.writeHead(status, headers);
  res.end(`answer ${count}`);
}

test('route defaultTtlSec: a response without freshness is a hit until the default runs out; other routes are unchanged', async (t) => {
  const clock = createManualClock();
  const origin = await startOrigin(t, answerFromQuery);
  const { url } = await startGateway(
    t,
    [origin.url],
    {
      routes: [
        { path: '/ttl/*', upstream: 'api', cache: { defaultTtlSec: 60 } },
        { path: '/*', upstream: 'api' },
      ],
    },
    clock,
  );
  const first = await send(`${url}/ttl/a`);
  assert.match(first.header('cache-status') ?? '', /fwd=uri-miss; fwd-status=200; ttl=60; stored/);
  const second = await send(`${url}/ttl/a`);
  assert.match(second.header('cache-status') ?? '', /hit; ttl=60/);
  assert.equal(second.text, 'answer 1');
  clock.advance(59_000);
  assert.match((await send(`${url}/ttl/a`)).header('cache-status') ?? '', /hit; ttl=1/);
  clock.advance(2000);
  const expired = await send(`${url}/ttl/a`);
  assert.match(expired.header('cache-status') ?? '', /fwd=stale/);
  assert.equal(expired.text, 'answer 2');

  await send(`${url}/plain`);
  const plain = await send(`${url}/plain`);
  assert.doesNotMatch(plain.header('cache-status') ?? '', /hit/, 'a route without defaultTtlSec keeps the heuristic (0 s here)');
  assert.equal(origin.count('/plain'), 2);
});

test('route defaultTtlSec never applies to private, no-store, Set-Cookie, credentialed or non-heuristic answers; explicit freshness wins', async (t) => {
  const clock = createManualClock();
  const origin = await startOrigin(t, answerFromQuery);
  const { url } = await startGateway(t, [origin.url], { routes: [{ path: '/*', upstream: 'api', cache: { defaultTtlSec: 60 } }] }, clock);
  const twice = async (path: string, headers: Record<string, string> = {}): Promise<string> => {
    await send(`${url}${path}`, { headers });
    return (await send(`${url}${path}`, { headers })).header('cache-status') ?? '';
  };
  for (const path of ['/p?cc=private', '/s?cc=no-store', '/c?set-cookie=session%3D1', '/e?status=500', '/k?status=201']) {
    assert.doesNotMatch(await twice(path), /hit/, path);
    assert.equal(origin.count(path), 2, path);
  }
  assert.doesNotMatch(await twice('/auth', { authorization: 'Bearer abc' }), /hit/, 'an answer to Authorization');
  assert.doesNotMatch(await twice('/cookie', { cookie: 'a=1' }), /hit/, 'an answer to a request with a Cookie');
  assert.match(await twice('/public?cc=public', { authorization: 'Bearer abc' }), /hit; ttl=60/, 'public allows it (RFC 9111 §3.5)');
  assert.match(await twice('/missing?status=404'), /hit; ttl=60/, '404 is heuristically cacheable (RFC 9110 §15.1)');
  assert.match(await twice('/explicit?cc=max-age%3D5'), /hit; ttl=5/, 'max-age is explicit freshness');
  assert.match(
    await twice('/expires?expires=Thu,%2001%20Jan%202026%2000:00:10%20GMT&date=Thu,%2001%20Jan%202026%2000:00:00%20GMT'),
    /hit; ttl=10/,
  );
});

test('route defaultTtlSec: a 304 that states no freshness renews the default', async (t) => {
  const clock = createManualClock();
  const origin = await startOrigin(t, (req, res) => {
    if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304, { etag: '"v1"' });
      res.end();
      return;
    }
    res.writeHead(200, { etag: '"v1"' });
    res.end('body');
  });
  const { url } = await startGateway(t, [origin.url], { routes: [{ path: '/*', upstream: 'api', cache: { defaultTtlSec: 60 } }] }, clock);
  await send(`${url}/doc`);
  clock.advance(61_000);
  const revalidated = await send(`${url}/doc`);
  assert.match(revalidated.header('cache-status') ?? '', /fwd=stale; fwd-status=304; ttl=60; stored/);
  assert.equal(revalidated.text, 'body');
  clock.advance(30_000);
  assert.match((await send(`${url}/doc`)).header('cache-status') ?? '', /hit; ttl=30/);
  assert.equal(origin.count(), 2);
});

test('route cache.ignoreQuery: listed parameters leave the key but still reach the origin; invalidation keys the same way', async (t) => {
  const origin = await startOrigin(t, (req, res, _body, count) => {
    res.writeHead(200, { 'cache-control': 'max-age=60' });
    res.end(`${req.method} ${count}`);
  });
  const { url } = await startGateway(t, [origin.url], {
    routes: [
      { path: '/v1/*', upstream: 'api', cache: { ignoreQuery: ['utm_source', 'fbclid'] } },
      { path: '/*', upstream: 'api' },
    ],
  });
  assert.equal((await send(`${url}/v1/a?id=1&utm_source=mail`)).text, 'GET 1');
  const hit = await send(`${url}/v1/a?utm_source=web&id=1&fbclid=x`);
  assert.match(hit.header('cache-status') ?? '', /hit/);
  assert.equal(hit.text, 'GET 1');
  assert.equal(origin.requests[0]?.url, '/v1/a?id=1&utm_source=mail');
  assert.notEqual((await send(`${url}/v1/a?id=2&utm_source=mail`)).text, 'GET 1', 'other parameters still count');
  assert.doesNotMatch((await send(`${url}/other?utm_source=web`)).header('cache-status') ?? '', /hit/);
  assert.doesNotMatch((await send(`${url}/other?utm_source=mail`)).header('cache-status') ?? '', /hit/, 'only on its route');

  await send(`${url}/v1/a?fbclid=y&id=1`, { method: 'POST' });
  const after = await send(`${url}/v1/a?id=1`);
  assert.doesNotMatch(after.header('cache-status') ?? '', /hit/, 'the POST invalidated the entry its URL keys to (RFC 9111 §4.4)');
});

test('route cache.sortQuery: parameter order does not split entries on that route', async (t) => {
  const origin = await startOrigin(t, (_req, res, _body, count) => {
    res.writeHead(200, { 'cache-control': 'max-age=60' });
    res.end(`answer ${count}`);
  });
  const { url } = await startGateway(t, [origin.url], {
    routes: [
      { path: '/sorted/*', upstream: 'api', cache: { sortQuery: true } },
      { path: '/*', upstream: 'api' },
    ],
  });
  await send(`${url}/sorted/x?b=2&a=1`);
  assert.match((await send(`${url}/sorted/x?a=1&b=2`)).header('cache-status') ?? '', /hit/);
  await send(`${url}/plain?b=2&a=1`);
  assert.doesNotMatch((await send(`${url}/plain?a=1&b=2`)).header('cache-status') ?? '', /hit/);
  assert.equal(origin.count(), 3);
});

test('route cache.keyHeaders: the listed request fields select the stored response, without a Vary from the origin; a purge takes all', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=60' });
    res.end(`tenant ${req.headers['x-tenant'] ?? '-'}`);
  });
  const { url, adminUrl } = await startGateway(t, [origin.url], {
    routes: [{ path: '/*', upstream: 'api', cache: { keyHeaders: ['X-Tenant'] } }],
  });
  assert.equal((await send(`${url}/list`, { headers: { 'x-tenant': 'a' } })).text, 'tenant a');
  assert.equal((await send(`${url}/list`, { headers: { 'x-tenant': 'b' } })).text, 'tenant b');
  assert.equal((await send(`${url}/list`)).text, 'tenant -');
  const hitA = await send(`${url}/list`, { headers: { 'x-tenant': 'a' } });
  assert.equal(hitA.text, 'tenant a');
  assert.match(hitA.header('cache-status') ?? '', /hit/);
  assert.equal(hitA.header('vary'), undefined, 'the key is cachet’s own; the response is not changed');
  assert.equal(origin.count(), 3);

  const purge = await send(`${adminUrl}/purge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: '/list' }),
  });
  assert.equal(purge.status, 200);
  assert.doesNotMatch((await send(`${url}/list`, { headers: { 'x-tenant': 'b' } })).header('cache-status') ?? '', /hit/);
});

test('route cache.enabled: false passes the route through', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=60' });
    res.end('ok');
  });
  const { url } = await startGateway(t, [origin.url], { routes: [{ path: '/*', upstream: 'api', cache: { enabled: false } }] });
  await send(`${url}/x`);
  assert.match((await send(`${url}/x`)).header('cache-status') ?? '', /fwd=bypass/);
  assert.equal(origin.count(), 2);
});
