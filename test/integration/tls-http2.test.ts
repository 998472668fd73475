import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { send as sendPlain, type SendOptions, type SentResponse } from '../helpers/http.ts';
import { ADMIN_TOKEN } from '../helpers/gateway.ts';
import { startIssuer, type Issuer } from '../helpers/tokens.ts';
import { sendH2, sendTls, startTlsGateway } from '../helpers/h2.ts';

/**
 * Every feature behaves the same over HTTP/1.1 over TLS and over HTTP/2 (one listener, ALPN): each case runs
 * through both protocols against the same kind of gateway.
 */

type Send = (url: string, options?: SendOptions) => Promise<SentResponse>;

/** Each protocol, how to send over it, and the Via hop the origin sees for it (RFC 9110 §7.6.3). */
const PROTOCOLS: ReadonlyArray<readonly [string, Send, string]> = [
  ['HTTP/1.1 over TLS', sendTls, '1.1 cachet'],
  ['HTTP/2', sendH2, '2 cachet'],
];

interface Stage {
  readonly url: string;
  readonly adminUrl: string;
  readonly origin: Origin;
  readonly issuer: Issuer;
}

async function startStage(t: TestContext): Promise<Stage> {
  const issuer = await startIssuer(t);
  let orders = 0;
  const origin = await startOrigin(t, (req, res, body) => {
    if (req.url?.startsWith('/orders')) {
      orders++;
      res.writeHead(201, { 'content-type': 'application/json', location: `/orders/${orders}` });
      res.end(JSON.stringify({ order: orders, body: body.toString() }));
      return;
    }
    if (req.url?.startsWith('/writes')) {
      // An absolute Location, as an origin behind the gateway names its public URL.
      res.writeHead(204, { location: `https://${req.headers.host}/moved` });
      res.end();
      return;
    }
    if (req.url?.startsWith('/echo')) {
      res.setHeader('cache-control', 'no-store');
      res.end(body);
      return;
    }
    res.setHeader('cache-control', 'public, max-age=60');
    res.setHeader('etag', '"v1"');
    res.setHeader('content-type', 'text/plain');
    res.end(`0123456789 ${req.url} for ${req.headers['x-auth-subject'] ?? 'anyone'}`);
  });
  const { url, adminUrl } = await startTlsGateway(t, [origin.url], {
    auth: { jwt: { issuer: issuer.issuer, audience: 'cachet-test', jwksUri: issuer.jwksUri, algorithms: ['RS256'] } },
    rateLimits: { tight: { limit: 2, windowSec: 60, by: 'ip' } },
    routes: [
      { path: '/private/*', upstream: 'api', auth: 'jwt', scopes: ['read'] },
      { path: '/limited/*', upstream: 'api', rateLimit: 'tight' },
      { path: '/orders', methods: ['POST'], upstream: 'api', idempotency: { required: true, ttlSec: 60 } },
      { path: '/cors/*', upstream: 'api', cors: { origins: ['https://app.example.test'], methods: ['GET', 'PUT'] } },
      { path: '/*', upstream: 'api' },
    ],
  });
  assert.ok(adminUrl !== undefined);
  return { url, adminUrl, origin, issuer };
}

for (const [protocol, send, via] of PROTOCOLS) {
  describe(`TLS listener, ${protocol}`, () => {
    it('caches: a miss then a hit with Cache-Status, Age and X-Request-ID; the origin sees https, the authority as Host, no pseudo-fields', async (t) => {
      const { url, origin } = await startStage(t);
      const miss = await send(`${url}/things?a=1`);
      assert.equal(miss.status, 200);
      assert.match(miss.header('cache-status') ?? '', /^cachet; fwd=uri-miss; .*stored/);
      const hit = await send(`${url}/things?a=1`);
      assert.equal(hit.status, 200);
      assert.equal(hit.text, miss.text);
      assert.match(hit.header('cache-status') ?? '', /^cachet; hit/);
      assert.ok(hit.header('age') !== undefined);
      assert.match(hit.header('x-request-id') ?? '', /^[\w-]{8,}$/);
      if (protocol === 'HTTP/2') assert.equal(hit.header('connection'), undefined, 'no connection-specific field over HTTP/2');
      assert.equal(origin.count(), 1);
      const seen = origin.requests[0]?.headers ?? {};
      assert.equal(seen['via'], via, 'the request came over the protocol this case is about');
      assert.equal(seen['x-forwarded-proto'], 'https');
      assert.equal(seen['host'], new URL(url).host);
      assert.equal(seen['x-forwarded-host'], new URL(url).host);
      for (const name of Object.keys(seen)) assert.ok(!name.startsWith(':'), `${name} reached the origin`);
    });

    it('keys on the https URL: a purge of that URL drops it; an unsafe request whose Location names it invalidates it', async (t) => {
      const { url, adminUrl, origin } = await startStage(t);
      await send(`${url}/kept`);
      assert.match((await send(`${url}/kept`)).header('cache-status') ?? '', /^cachet; hit/);
      const purged = await sendPlain(`${adminUrl}/purge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${url}/kept` }),
      });
      assert.deepEqual([purged.status, JSON.parse(purged.text).purged], [200, 1]);
      assert.match((await send(`${url}/kept`)).header('cache-status') ?? '', /fwd=uri-miss/);

      await send(`${url}/moved`);
      assert.match((await send(`${url}/moved`)).header('cache-status') ?? '', /^cachet; hit/);
      assert.equal((await send(`${url}/writes`, { method: 'PUT', body: 'x' })).status, 204);
      assert.match((await send(`${url}/moved`)).header('cache-status') ?? '', /fwd=uri-miss/);
      assert.equal(origin.count('/moved'), 2);
    });

    it('answers a matching If-None-Match from the cache with 304, and a Range with 206', async (t) => {
      const { url } = await startStage(t);
      await send(`${url}/doc`);
      const notModified = await send(`${url}/doc`, { headers: { 'if-none-match': '"v1"' } });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.text, '');
      assert.equal(notModified.header('etag'), '"v1"');
      assert.match(notModified.header('cache-status') ?? '', /hit/);
      const partial = await send(`${url}/doc`, { headers: { range: 'bytes=2-5' } });
      assert.equal(partial.status, 206);
      assert.equal(partial.text, '2345');
      assert.match(partial.header('content-range') ?? '', /^bytes 2-5\/\d+$/);
    });

    it('authenticates: 401 with a challenge, 403 for a missing scope, the verified subject at the origin', async (t) => {
      const { url, origin, issuer } = await startStage(t);
      const none = await send(`${url}/private/x`);
      assert.equal(none.status, 401);
      assert.equal(none.header('www-authenticate'), 'Bearer realm="cachet"');
      const noScope = await send(`${url}/private/x`, { headers: { authorization: `Bearer ${await issuer.sign({ scope: 'other' })}` } });
      assert.equal(noScope.status, 403);
      assert.match(noScope.header('www-authenticate') ?? '', /error="insufficient_scope"/);
      const ok = await send(`${url}/private/x`, {
        headers: { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}`, 'x-auth-subject': 'mallory' },
      });
      assert.equal(ok.status, 200);
      assert.equal(origin.requests.at(-1)?.headers['x-auth-subject'], 'alice');
    });

    it('answers a CORS preflight at the edge', async (t) => {
      const { url, origin } = await startStage(t);
      const preflight = await send(`${url}/cors/item`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.test', 'access-control-request-method': 'PUT' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.header('access-control-allow-origin'), 'https://app.example.test');
      assert.match(preflight.header('access-control-allow-methods') ?? '', /PUT/);
      assert.equal(origin.count(), 0);
    });

    it('limits the rate: RateLimit fields on admitted answers, then 429 with Retry-After', async (t) => {
      const { url } = await startStage(t);
      const first = await send(`${url}/limited/a`);
      assert.equal(first.status, 200);
      assert.match(first.header('ratelimit-policy') ?? '', /"tight";q=2;w=60/);
      assert.match(first.header('ratelimit') ?? '', /"tight";r=1;t=\d+/);
      await send(`${url}/limited/a`);
      const refused = await send(`${url}/limited/a`);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.header('retry-after')) > 0);
      assert.equal((JSON.parse(refused.text) as { code: string }).code, 'CACHET_ERR_RATE_LIMITED');
    });

    it('replays an Idempotency-Key with Idempotent-Replayed: true, and carries the body (no Content-Length over HTTP/2)', async (t) => {
      const { url, origin } = await startStage(t);
      const order = { method: 'POST', headers: { 'idempotency-key': '"k-1"', 'content-type': 'application/json' }, body: '{"item":"a"}' };
      const first = await send(`${url}/orders`, order);
      assert.equal(first.status, 201);
      const repeat = await send(`${url}/orders`, order);
      assert.equal(repeat.status, 201);
      assert.equal(repeat.header('idempotent-replayed'), 'true');
      assert.equal(repeat.text, first.text);
      assert.equal(origin.count('/orders'), 1);
      assert.equal(origin.requests[0]?.body.toString(), '{"item":"a"}');
      const missing = await send(`${url}/orders`, { method: 'POST', body: '{}' });
      assert.equal(missing.status, 400);
    });

    it('keeps a client X-Request-ID and forwards a request body', async (t) => {
      const { url, origin } = await startStage(t);
      const echoed = await send(`${url}/echo`, { method: 'POST', headers: { 'x-request-id': 'req-abc-123' }, body: 'x'.repeat(70_000) });
      assert.equal(echoed.status, 200);
      assert.equal(echoed.header('x-request-id'), 'req-abc-123');
      assert.equal(echoed.text.length, 70_000);
      assert.equal(origin.requests[0]?.headers['x-request-id'], 'req-abc-123');
    });
  });
}
