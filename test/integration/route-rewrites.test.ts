import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startOrigin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway } from '../helpers/gateway.ts';

/**
 * Upstream rewrites per route through the gateway: `stripPrefix`, `upstreamHost`, `requestHeaders` and
 * `responseHeaders`. The cache keys, invalidates and purges by the URL the client asked for.
 */

const json = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

test('stripPrefix: the route prefix leaves the upstream path; two routes onto one upstream path stay two entries', async (t) => {
  const origin = await startOrigin(t, (req, res, _body, count) => {
    res.writeHead(200, { 'cache-control': 'max-age=60' });
    res.end(`${req.url} ${count}`);
  });
  const { url, adminUrl } = await startGateway(t, [origin.url], {
    routes: [
      { path: '/one/*', upstream: 'api', stripPrefix: true },
      { path: '/two/api/*', upstream: 'api', stripPrefix: true },
      { path: '/*', upstream: 'api' },
    ],
  });
  assert.equal((await send(`${url}/one/item?x=1`)).text, '/item?x=1 1');
  assert.equal((await send(`${url}/two/api/item?x=1`)).text, '/item?x=1 2');
  assert.equal((await send(`${url}/one`)).text, '/ 3');
  assert.equal((await send(`${url}/one?q`)).text, '/?q 4');
  assert.equal((await send(`${url}/one;v=1/item`)).text, '/item 5', 'a prefix segment with path parameters is stripped as routed');
  assert.equal((await send(`${url}/other/item`)).text, '/other/item 6', 'other routes keep their path');
  const hit = await send(`${url}/one/item?x=1`);
  assert.match(hit.header('cache-status') ?? '', /hit/);
  assert.equal(hit.text, '/item?x=1 1');

  const purge = await send(`${adminUrl}/purge`, { method: 'POST', headers: json, body: JSON.stringify({ url: '/one/item?x=1' }) });
  assert.equal(JSON.parse(purge.text).purged, 1, 'purged by the client-facing URL');
  assert.doesNotMatch((await send(`${url}/one/item?x=1`)).header('cache-status') ?? '', /hit/);
  assert.match((await send(`${url}/two/api/item?x=1`)).header('cache-status') ?? '', /hit/);

  await send(`${url}/two/api/item?x=1`, { method: 'DELETE' });
  assert.equal(origin.requests.at(-1)?.url, '/item?x=1');
  assert.doesNotMatch((await send(`${url}/two/api/item?x=1`)).header('cache-status') ?? '', /hit/, 'invalidated by its client URL');
});

test('upstreamHost: the client’s Host by default, the target’s own with target, or a fixed one; X-Forwarded-Host keeps the client’s', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    res.writeHead(200, { 'cache-control': 'no-store' });
    res.end(`${req.headers.host} ${req.headers['x-forwarded-host']}`);
  });
  const { url } = await startGateway(t, [origin.url], {
    routes: [
      { path: '/target/*', upstream: 'api', upstreamHost: 'target' },
      { path: '/fixed/*', upstream: 'api', upstreamHost: 'API.internal:8443' },
      { path: '/*', upstream: 'api', upstreamHost: 'preserve' },
    ],
  });
  const client = new URL(url).host;
  assert.equal((await send(`${url}/plain`)).text, `${client} ${client}`);
  assert.equal((await send(`${url}/target/x`)).text, `${new URL(origin.url).host} ${client}`);
  assert.equal((await send(`${url}/fixed/x`)).text, `api.internal:8443 ${client}`);
});

test('requestHeaders: fields set replace the client’s, removed ones never reach the upstream; gateway fields stay the gateway’s', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(200, { 'cache-control': 'no-store' });
    res.end('ok');
  });
  const { url } = await startGateway(t, [origin.url], {
    routes: [
      {
        path: '/*',
        upstream: 'api',
        requestHeaders: { set: { 'X-Api-Version': '2', 'X-Upstream-Key': 'k-123' }, remove: ['Cookie', 'x-debug'] },
      },
    ],
  });
  await send(`${url}/a`, {
    headers: { 'x-api-version': '1', cookie: 'session=1', 'x-debug': 'on', 'x-kept': 'yes', 'x-auth-subject': 'mallory' },
  });
  await send(`${url}/b`, { method: 'POST', body: 'x', headers: { cookie: 'session=1' } });
  for (const seen of origin.requests) {
    assert.equal(seen.headers['x-api-version'], '2');
    assert.equal(seen.headers['x-upstream-key'], 'k-123');
    assert.equal(seen.headers.cookie, undefined);
    assert.equal(seen.headers['x-debug'], undefined);
    assert.equal(seen.headers['x-auth-subject'], undefined);
    assert.match(String(seen.headers['x-request-id']), /\S/);
  }
  assert.equal(origin.requests[0]?.headers['x-kept'], 'yes');
});

test('responseHeaders: applied to filled, hit, 304, 206 and relayed answers alike; the cache still obeys the origin’s fields', async (t) => {
  const origin = await startOrigin(t, (req, res, _body, count) => {
    if (req.method === 'POST') {
      res.writeHead(201, { 'x-powered-by': 'origin', 'cache-control': 'no-store' });
      res.end('created');
      return;
    }
    res.writeHead(200, { 'cache-control': 's-maxage=60', etag: '"e1"', 'x-powered-by': 'origin', server: 'origin/1.0' });
    res.end(`body ${count}`);
  });
  const { url } = await startGateway(t, [origin.url], {
    routes: [
      { path: '/plain', upstream: 'api' },
      {
        path: '/*',
        upstream: 'api',
        responseHeaders: { set: { 'Cache-Control': 'private, max-age=0', 'X-Frame-Options': 'DENY' }, remove: ['X-Powered-By', 'server'] },
      },
    ],
  });
  const check = (label: string, res: Awaited<ReturnType<typeof send>>): void => {
    assert.equal(res.header('cache-control'), 'private, max-age=0', label);
    assert.equal(res.header('x-frame-options'), 'DENY', label);
    assert.equal(res.header('x-powered-by'), undefined, label);
    assert.equal(res.header('server'), undefined, label);
    assert.match(res.header('via') ?? '', /cachet/, label);
    assert.match(res.header('x-request-id') ?? '', /\S/, label);
  };
  const miss = await send(`${url}/doc`);
  check('miss', miss);
  const hit = await send(`${url}/doc`);
  check('hit', hit);
  assert.match(hit.header('cache-status') ?? '', /hit/, 'stored by the origin’s s-maxage, not the rewritten field');
  const notModified = await send(`${url}/doc`, { headers: { 'if-none-match': '"e1"' } });
  assert.equal(notModified.status, 304);
  check('304', notModified);
  const range = await send(`${url}/doc`, { headers: { range: 'bytes=0-1' } });
  assert.equal(range.status, 206);
  check('206', range);
  check('relayed', await send(`${url}/doc`, { method: 'POST', body: 'x' }));

  const plain = await send(`${url}/plain`);
  assert.equal(plain.header('x-powered-by'), 'origin', 'a route without the rewrite');
  assert.equal(plain.header('cache-control'), 's-maxage=60');
});

test('upgrades get the request rewrite: path stripped, Host chosen, fields set', async (t) => {
  const seen: Array<{ url: string | undefined; host: string | undefined; version: string | undefined }> = [];
  const origin = await startOrigin(t);
  origin.server.on('upgrade', (req, socket: net.Socket) => {
    seen.push({ url: req.url, host: req.headers.host, version: req.headers['x-api-version'] as string | undefined });
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  const { url } = await startGateway(t, [origin.url], {
    routes: [
      { path: '/ws/*', upstream: 'api', stripPrefix: true, upstreamHost: 'target', requestHeaders: { set: { 'x-api-version': '2' } } },
    ],
  });
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  t.after(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(
    'GET /ws/chat?room=1 HTTP/1.1\r\nHost: client.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  assert.match(head.toString('latin1'), /^HTTP\/1.1 101/);
  assert.deepEqual(seen, [{ url: '/chat?room=1', host: new URL(origin.url).host, version: '2' }]);
});
