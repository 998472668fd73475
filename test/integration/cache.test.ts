import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway, send, ADMIN_TOKEN } from '../helpers/gateway.ts';
import { createManualClock } from '../helpers/clock.ts';

const httpDate = (at: number): string => new Date(at).toUTCString();

test('a fresh response is stored and served from cache with Age and Cache-Status (RFC 9111 §3, §4.2.3, RFC 9211)', async (t) => {
  const clock = createManualClock(Date.now());
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.setHeader('date', httpDate(clock.now()));
    res.end('hello');
  });
  const { url } = await startGateway(t, [origin.url], {}, clock);
  const first = await send(`${url}/a`);
  assert.equal(first.status, 200);
  assert.equal(first.text, 'hello');
  assert.match(first.header('cache-status') ?? '', /^cachet; fwd=uri-miss; fwd-status=200; ttl=(59|60); stored$/);
  clock.advance(10_000);
  const second = await send(`${url}/a`);
  assert.equal(second.text, 'hello');
  assert.match(second.header('cache-status') ?? '', /^cachet; hit; ttl=(49|50)$/);
  assert.equal(second.header('age'), '10');
  assert.ok(second.header('x-request-id'));
  assert.equal(origin.count('/a'), 1);
});

test('no-store responses are never stored (RFC 9111 §5.2.2.5)', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'no-store, max-age=60');
    res.end('secret');
  });
  const { url } = await startGateway(t, [origin.url]);
  await send(`${url}/n`);
  const second = await send(`${url}/n`);
  assert.match(second.header('cache-status') ?? '', /fwd=uri-miss; fwd-status=200; detail=no-store/);
  assert.equal(origin.count('/n'), 2);
});

test('a stale response is revalidated with its validators and a 304 freshens it (RFC 9111 §4.3.1, §4.3.4)', async (t) => {
  const clock = createManualClock(Date.now());
  const origin = await startOrigin(t, (req, res) => {
    res.setHeader('cache-control', 'max-age=5');
    res.setHeader('etag', '"v1"');
    res.setHeader('date', httpDate(clock.now()));
    if (req.headers['if-none-match'] === '"v1"') {
      res.statusCode = 304;
      res.setHeader('x-refreshed', 'yes');
      res.end();
      return;
    }
    res.end('body-v1');
  });
  const { url } = await startGateway(t, [origin.url], {}, clock);
  await send(`${url}/r`);
  clock.advance(6_000);
  const revalidated = await send(`${url}/r`);
  assert.equal(revalidated.status, 200);
  assert.equal(revalidated.text, 'body-v1');
  assert.equal(revalidated.header('x-refreshed'), 'yes');
  assert.match(revalidated.header('cache-status') ?? '', /fwd=stale; fwd-status=304/);
  assert.equal(origin.requests[1]?.headers['if-none-match'], '"v1"');
  const hit = await send(`${url}/r`);
  assert.match(hit.header('cache-status') ?? '', /hit/);
  assert.equal(origin.count('/r'), 2);
});

test('client If-None-Match is answered 304 from a fresh stored response (RFC 9110 §13.1.2, §15.4.5)', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.setHeader('etag', 'W/"abc"');
    res.setHeader('content-type', 'text/plain');
    res.end('payload');
  });
  const { url } = await startGateway(t, [origin.url]);
  await send(`${url}/c`);
  const notModified = await send(`${url}/c`, { headers: { 'if-none-match': '"abc"' } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.text, '');
  assert.equal(notModified.header('etag'), 'W/"abc"');
  assert.equal(notModified.header('cache-control'), 'max-age=60');
  assert.equal(notModified.header('content-type'), undefined);
  const other = await send(`${url}/c`, { headers: { 'if-none-match': '"zzz"' } });
  assert.equal(other.status, 200);
  assert.equal(origin.count('/c'), 1);
});

test('Vary keeps one variant per request field value (RFC 9111 §4.1)', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.setHeader('vary', 'Accept-Language');
    res.end(`lang=${req.headers['accept-language'] ?? 'none'}`);
  });
  const { url } = await startGateway(t, [origin.url]);
  assert.equal((await send(`${url}/v`, { headers: { 'accept-language': 'en' } })).text, 'lang=en');
  assert.equal((await send(`${url}/v`, { headers: { 'accept-language': 'fr' } })).text, 'lang=fr');
  const vary = await send(`${url}/v`, { headers: { 'accept-language': 'en' } });
  assert.equal(vary.text, 'lang=en');
  assert.match(vary.header('cache-status') ?? '', /hit/);
  assert.equal((await send(`${url}/v`)).text, 'lang=none');
  assert.equal(origin.count('/v'), 3);
});

test('a successful POST invalidates the target URI and same-origin Location (RFC 9111 §4.4)', async (t) => {
  let version = 1;
  const origin = await startOrigin(t, (req, res) => {
    if (req.method === 'POST') {
      version++;
      res.statusCode = 201;
      res.setHeader('location', '/items/other');
      res.end();
      return;
    }
    res.setHeader('cache-control', 'max-age=600');
    res.end(`${req.url} v${version}`);
  });
  const { url } = await startGateway(t, [origin.url]);
  await send(`${url}/items`);
  await send(`${url}/items/other`);
  assert.match((await send(`${url}/items`)).header('cache-status') ?? '', /hit/);
  const post = await send(`${url}/items`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(post.status, 201);
  assert.match(post.header('cache-status') ?? '', /fwd=method/);
  assert.equal((await send(`${url}/items`)).text, '/items v2');
  assert.equal((await send(`${url}/items/other`)).text, '/items/other v2');
});

test('only-if-cached answers 504 when nothing is stored (RFC 9111 §5.2.1.7)', async (t) => {
  const origin = await startOrigin(t);
  const { url } = await startGateway(t, [origin.url]);
  const res = await send(`${url}/o`, { headers: { 'cache-control': 'only-if-cached' } });
  assert.equal(res.status, 504);
  assert.equal(origin.count(), 0);
});

test('stale-while-revalidate serves stale at once and revalidates once in the background (RFC 5861 §3)', async (t) => {
  const clock = createManualClock(Date.now());
  let version = 0;
  const origin = await startOrigin(t, async (_req, res) => {
    version++;
    // The background revalidation is slow, so every concurrent client below is answered stale first.
    if (version > 1) await new Promise((r) => setTimeout(r, 100));
    res.setHeader('cache-control', 'max-age=1, stale-while-revalidate=60');
    res.setHeader('date', httpDate(clock.now()));
    res.end(`v${version}`);
  });
  const { url } = await startGateway(t, [origin.url], {}, clock);
  assert.equal((await send(`${url}/s`)).text, 'v1');
  clock.advance(5_000);
  const stale = await Promise.all([send(`${url}/s`), send(`${url}/s`), send(`${url}/s`)]);
  for (const res of stale) {
    assert.equal(res.text, 'v1');
    assert.match(res.header('cache-status') ?? '', /hit; ttl=-\d+; detail=stale-while-revalidate/);
  }
  let latest = '';
  for (let i = 0; i < 100 && latest !== 'v2'; i++) {
    await new Promise((r) => setTimeout(r, 10));
    latest = (await send(`${url}/s`)).text;
  }
  assert.equal(latest, 'v2');
  assert.equal(origin.count('/s'), 2);
});

test('stale-if-error serves the stored response when the origin fails (RFC 5861 §4)', async (t) => {
  const clock = createManualClock(Date.now());
  let failing = false;
  const origin = await startOrigin(t, (_req, res) => {
    if (failing) {
      res.statusCode = 503;
      res.end('down');
      return;
    }
    res.setHeader('cache-control', 'max-age=1, stale-if-error=60');
    res.setHeader('date', httpDate(clock.now()));
    res.end('good');
  });
  const { url } = await startGateway(t, [origin.url], {}, clock);
  await send(`${url}/e`);
  failing = true;
  clock.advance(10_000);
  const res = await send(`${url}/e`);
  assert.equal(res.status, 200);
  assert.equal(res.text, 'good');
  assert.match(res.header('cache-status') ?? '', /fwd=stale; fwd-status=503; ttl=-\d+; detail=stale-if-error/);
  clock.advance(120_000);
  const expired = await send(`${url}/e`);
  assert.equal(expired.status, 503);
});

test('concurrent misses for one key make one origin request (request coalescing)', async (t) => {
  const origin = await startOrigin(t, async (_req, res) => {
    await new Promise((r) => setTimeout(r, 100));
    res.setHeader('cache-control', 'max-age=60');
    res.end('shared');
  });
  const { url } = await startGateway(t, [origin.url]);
  const responses = await Promise.all(Array.from({ length: 10 }, () => send(`${url}/k`)));
  for (const res of responses) assert.equal(res.text, 'shared');
  assert.equal(origin.count('/k'), 1);
  assert.ok(responses.some((r) => /collapsed/.test(r.header('cache-status') ?? '')));
});

test('waiters go upstream themselves when the response is not shareable', async (t) => {
  const origin = await startOrigin(t, async (_req, res, _body, n) => {
    await new Promise((r) => setTimeout(r, 80));
    res.setHeader('cache-control', 'private');
    res.end(`private-${n}`);
  });
  const { url } = await startGateway(t, [origin.url]);
  const responses = await Promise.all(Array.from({ length: 4 }, () => send(`${url}/p`)));
  assert.equal(new Set(responses.map((r) => r.text)).size, 4);
  assert.equal(origin.count('/p'), 4);
});

test('requests with credentials are never coalesced', async (t) => {
  const origin = await startOrigin(t, async (req, res) => {
    await new Promise((r) => setTimeout(r, 80));
    res.setHeader('cache-control', 'max-age=60');
    res.end(String(req.headers.authorization));
  });
  const { url } = await startGateway(t, [origin.url]);
  const [a, b] = await Promise.all([
    send(`${url}/cred`, { headers: { authorization: 'Bearer alice' } }),
    send(`${url}/cred`, { headers: { authorization: 'Bearer bob' } }),
  ]);
  assert.equal(a.text, 'Bearer alice');
  assert.equal(b.text, 'Bearer bob');
  assert.equal(origin.count('/cred'), 2);
});

test('purge by tag, prefix and URL on the admin listener; tags are not forwarded to clients', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    res.setHeader('cache-control', 'max-age=600');
    res.setHeader('surrogate-key', req.url === '/t/1' ? 'threats threat-1' : 'threats');
    res.setHeader('cache-tag', 'all');
    res.end(req.url);
  });
  const { url, adminUrl } = await startGateway(t, [origin.url]);
  const first = await send(`${url}/t/1`);
  assert.equal(first.header('surrogate-key'), undefined);
  assert.equal(first.header('cache-tag'), undefined);
  await send(`${url}/t/2`);
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const purged = await send(`${adminUrl}/purge`, { method: 'POST', headers: auth, body: JSON.stringify({ tag: 'threat-1' }) });
  assert.equal(purged.status, 200);
  assert.deepEqual(JSON.parse(purged.text), { purged: 1 });
  assert.match((await send(`${url}/t/1`)).header('cache-status') ?? '', /uri-miss/);
  assert.match((await send(`${url}/t/2`)).header('cache-status') ?? '', /hit/);
  const byPrefix = await send(`${adminUrl}/purge`, { method: 'POST', headers: auth, body: JSON.stringify({ prefix: '/t/' }) });
  assert.deepEqual(JSON.parse(byPrefix.text), { purged: 2 });
  await send(`${url}/t/2`);
  const byUrl = await send(`${adminUrl}/purge`, { method: 'POST', headers: auth, body: JSON.stringify({ url: '/t/2' }) });
  assert.deepEqual(JSON.parse(byUrl.text), { purged: 1 });
  const unauthorized = await send(`${adminUrl}/purge`, {
    method: 'POST',
    body: JSON.stringify({ tag: 'all' }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(unauthorized.status, 401);
});

test('soft purge marks stale: served under stale-while-revalidate while revalidating', async (t) => {
  let version = 0;
  const origin = await startOrigin(t, (_req, res) => {
    version++;
    res.setHeader('cache-control', 'max-age=600, stale-while-revalidate=60');
    res.setHeader('surrogate-key', 'soft');
    res.end(`v${version}`);
  });
  const { url, gateway } = await startGateway(t, [origin.url]);
  await send(`${url}/soft`);
  assert.equal(await gateway.purge({ tag: 'soft' }, true), 1);
  const stale = await send(`${url}/soft`);
  assert.equal(stale.text, 'v1');
  assert.match(stale.header('cache-status') ?? '', /stale-while-revalidate/);
  for (let i = 0; i < 50 && origin.count('/soft') < 2; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal((await send(`${url}/soft`)).text, 'v2');
});
