import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway, send } from '../helpers/gateway.ts';
import { rawExchange } from '../helpers/raw.ts';

test('round-robin spreads requests across targets', async (t) => {
  const origins = await Promise.all(
    [0, 1, 2].map(() =>
      startOrigin(t, (_req, res) => {
        res.setHeader('cache-control', 'no-store');
        res.end('x');
      }),
    ),
  );
  const { url } = await startGateway(
    t,
    origins.map((o) => o.url),
  );
  for (let i = 0; i < 30; i++) await send(`${url}/rr`);
  for (const origin of origins) assert.equal(origin.count(), 10);
});

test('a killed target: idempotent requests are retried on another target, then it is ejected', async (t) => {
  const live = await startOrigin(t, (_req, res) => res.end('live'));
  const dead = await startOrigin(t, (_req, res) => res.end('dead'));
  const deadUrl = dead.url;
  await dead.close();
  const { url } = await startGateway(t, [deadUrl, live.url], { upstream: { retries: 1 }, cache: { enabled: false } });
  for (let i = 0; i < 6; i++) {
    const res = await send(`${url}/x`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'live');
  }
});

test('connect failure → 502 and response timeout → 504, as problem+json', async (t) => {
  const dead = await startOrigin(t);
  const deadUrl = dead.url;
  await dead.close();
  const gw502 = await startGateway(t, [deadUrl], { upstream: { retries: 0 } });
  const bad = await send(`${gw502.url}/x`);
  assert.equal(bad.status, 502);
  assert.match(bad.header('content-type') ?? '', /application\/problem\+json/);
  assert.equal(JSON.parse(bad.text).code, 'CACHET_ERR_UPSTREAM_CONNECT');
  assert.ok(bad.header('cache-status'));

  const slow = await startOrigin(t, async (_req, res) => {
    await new Promise((r) => setTimeout(r, 1000));
    res.end('late');
  });
  const gw504 = await startGateway(t, [slow.url], { upstream: { timeouts: { responseMs: 150 } } });
  const timeout = await send(`${gw504.url}/x`);
  assert.equal(timeout.status, 504);
  assert.equal(JSON.parse(timeout.text).code, 'CACHET_ERR_UPSTREAM_TIMEOUT');
});

test('a request with a body to a target that refuses connections gets 502, not a closed connection', async (t) => {
  // undici destroys the request body when the connection fails: the failure is the target's, not the client's.
  const dead = await startOrigin(t);
  const deadUrl = dead.url;
  await dead.close();
  const { url } = await startGateway(t, [deadUrl], { upstream: { retries: 0 } });
  for (const body of ['{"sha256":"abc"}', 'x'.repeat(100_000)]) {
    const res = await send(`${url}/scans`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 502);
    assert.equal(JSON.parse(res.text).code, 'CACHET_ERR_UPSTREAM_CONNECT');
  }
});

test('hop-by-hop fields are removed both ways, including those named in Connection (RFC 9110 §7.6.1)', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('connection', 'x-secret-hop');
    res.setHeader('x-secret-hop', 'leak');
    res.setHeader('keep-alive', 'timeout=5');
    res.setHeader('x-end', 'kept');
    res.end('ok');
  });
  const { url } = await startGateway(t, [origin.url]);
  const res = await rawExchange(
    url,
    'GET /h HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-client-hop\r\nX-Client-Hop: leak\r\nTE: trailers\r\nX-End: kept\r\n\r\n',
  );
  assert.doesNotMatch(res, /x-secret-hop: leak/i);
  assert.match(res, /\r\nx-end: kept\r\n/i);
  assert.match(res, /\r\nvia: 1\.1 cachet\r\n/i);
  const seen = origin.requests[0]?.headers ?? {};
  assert.equal(seen['x-client-hop'], undefined);
  assert.equal(seen['te'], undefined);
  assert.equal(seen['x-end'], 'kept');
  assert.match(String(seen['via']), /1\.1 cachet/);
});

test('X-Forwarded-* come from the connection; client-sent values are dropped', async (t) => {
  const origin = await startOrigin(t);
  const { url } = await startGateway(t, [origin.url]);
  await send(`${url}/f`, { headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' } });
  const seen = origin.requests[0]?.headers ?? {};
  assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.equal(seen['x-forwarded-host'], new URL(url).host);
});

test('X-Request-ID is kept when well-formed, replaced otherwise, and traceparent propagated', async (t) => {
  const origin = await startOrigin(t);
  const { url } = await startGateway(t, [origin.url]);
  const kept = await send(`${url}/id`, {
    headers: { 'x-request-id': 'abc-123', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  });
  assert.equal(kept.header('x-request-id'), 'abc-123');
  assert.equal(origin.requests[0]?.headers['x-request-id'], 'abc-123');
  assert.match(String(origin.requests[0]?.headers['traceparent']), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  const replaced = await send(`${url}/id`, { headers: { 'x-request-id': 'bad value "with" spaces' } });
  assert.notEqual(replaced.header('x-request-id'), 'bad value "with" spaces');
  assert.match(String(origin.requests[1]?.headers['traceparent']), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
});

test('oversized header section → 431; oversized body → 413; neither reaches the origin', async (t) => {
  const origin = await startOrigin(t);
  const { url } = await startGateway(t, [origin.url], { limits: { maxHeaderBytes: 4096, maxBodyBytes: 1024 } });
  const big = await rawExchange(url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  const declared = await send(`${url}/b`, { method: 'POST', body: 'x'.repeat(2000) });
  assert.equal(declared.status, 413);
  const chunked = await rawExchange(
    url,
    `POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'y'.repeat(2048)}\r\n0\r\n\r\n`,
  );
  assert.match(chunked, /^HTTP\/1\.1 413 /);
  assert.equal(origin.requests.filter((r) => r.body.length > 1024).length, 0);
});

test('request smuggling shapes are refused with 400 and never forwarded (RFC 9112 §6.1, §6.3)', async (t) => {
  const origin = await startOrigin(t);
  const { url } = await startGateway(t, [origin.url]);
  const shapes = [
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n',
  ];
  for (const shape of shapes) {
    const answer = await rawExchange(url, shape);
    assert.match(answer, /^HTTP\/1\.1 400 /, `expected 400 for ${JSON.stringify(shape)}`);
  }
  assert.equal(origin.count(), 0);
});

test('every spelling of a path is normalised before routing', async (t) => {
  const origin = await startOrigin(t, (req, res) => res.end(req.url));
  const { url } = await startGateway(t, [origin.url], {
    routes: [{ path: '/public/*', upstream: 'api' }],
  });
  for (const spelling of ['/public/../admin', '/public/%2e%2e/admin', '/public/%2E%2E/admin', '//admin', '/public/.%2e/admin']) {
    const res = await rawExchange(url, `GET ${spelling} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 (404|400) /, spelling);
  }
  const encodedSlash = await rawExchange(url, 'GET /public/..%2Fadmin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(encodedSlash, /^HTTP\/1\.1 400 /);
  const ok = await send(`${url}/public/./a//b`);
  assert.equal(ok.text, '/public/a/b');
  assert.equal(origin.count(), 1);
});

test('Expect: 100-continue is answered and the body forwarded', async (t) => {
  const origin = await startOrigin(t, (_req, res, body) => res.end(`got ${body.length}`));
  const { url } = await startGateway(t, [origin.url]);
  const answer = await rawExchange(
    url,
    'POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello',
  );
  assert.match(answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  assert.match(answer, /got 5$/);
});

test('WebSocket upgrade passes through', async (t) => {
  const origin = await startOrigin(t);
  origin.server.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(`echo:${d.toString()}`));
    socket.on('end', () => socket.end());
    void req;
  });
  const { url } = await startGateway(t, [origin.url]);
  const { port } = new URL(url);
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(
        'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n\r\n') && !data.includes('echo:')) socket.write('ping');
      if (data.includes('echo:ping')) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 101 /);
  assert.match(reply, /echo:ping/);
});

test('all targets down → 503 problem', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.statusCode = 500;
    res.end();
  });
  const { url } = await startGateway(t, [origin.url], {
    upstream: { healthCheck: { path: '/health', intervalMs: 20, unhealthyThreshold: 1, healthyThreshold: 1, timeoutMs: 200 } },
  });
  await new Promise((r) => setTimeout(r, 150));
  const res = await send(`${url}/x`);
  assert.equal(res.status, 503);
  assert.equal(JSON.parse(res.text).code, 'CACHET_ERR_UPSTREAM_UNAVAILABLE');
});

test('graceful shutdown drains an in-flight request', async (t) => {
  const origin = await startOrigin(t, async (_req, res) => {
    await new Promise((r) => setTimeout(r, 200));
    res.end('finished');
  });
  const { url, gateway } = await startGateway(t, [origin.url]);
  const inflight = send(`${url}/slow`);
  await new Promise((r) => setTimeout(r, 50));
  const closing = gateway.close();
  const res = await inflight;
  assert.equal(res.text, 'finished');
  await closing;
  await assert.rejects(send(`${url}/after`));
});

test('a 204 is relayed without Content-Length, whatever the origin sent (RFC 9110 §8.6)', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(204, { 'content-length': '0', 'cache-control': 'no-store' });
    res.end();
  });
  const { url } = await startGateway(t, [origin.url]);
  const raw = await rawExchange(url, `GET /empty HTTP/1.1\r\nHost: ${new URL(url).host}\r\n\r\n`);
  assert.match(raw, /^HTTP\/1\.1 204 No Content\r\n/);
  assert.doesNotMatch(raw, /content-length/i);
});

test('a stored 204 is served without Content-Length, on the miss that stores it and on hits (RFC 9110 §8.6)', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(204, { 'content-length': '0', 'cache-control': 'max-age=60' });
    res.end();
  });
  const { url } = await startGateway(t, [origin.url]);
  for (const expected of [/fwd=uri-miss; fwd-status=204; ttl=\d+; stored/, /hit; ttl=\d+/]) {
    const raw = await rawExchange(url, `GET /stored-empty HTTP/1.1\r\nHost: ${new URL(url).host}\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 204 No Content\r\n/);
    assert.match(raw, expected);
    assert.doesNotMatch(raw, /content-length/i);
  }
  assert.equal(origin.count('/stored-empty'), 1);
});
