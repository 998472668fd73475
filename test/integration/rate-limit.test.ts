import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway } from '../helpers/gateway.ts';
import { rawExchange } from '../helpers/raw.ts';
import { createManualClock } from '../helpers/clock.ts';
import { startIssuer } from '../helpers/tokens.ts';
import { systemClock, type Clock } from '../../src/clock.ts';

const CACHEABLE = 'public, max-age=600';

/** An origin answering `cache-control` as given (no-store by default: every admitted request reaches it). */
async function originWith(t: TestContext, cacheControl = 'no-store'): Promise<Origin> {
  return startOrigin(t, (req, res) => {
    res.setHeader('cache-control', cacheControl);
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${req.url}`);
  });
}

/** A gateway with `policies` and the routes given (every route upstream `api`). */
function limitedGateway(
  t: TestContext,
  origin: Origin,
  policies: Record<string, unknown>,
  routes: Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
  clock: Clock = createManualClock(),
) {
  return startGateway(t, [origin.url], { rateLimits: policies, routes: routes.map((r) => ({ upstream: 'api', ...r })), ...extra }, clock);
}

/** Response heads of a raw exchange, field names lower-cased. */
function parseHeads(raw: string): Array<{ status: number; fields: Map<string, string[]>; keepAlive: boolean }> {
  const heads: Array<{ status: number; fields: Map<string, string[]>; keepAlive: boolean }> = [];
  let rest = raw;
  while (rest.startsWith('HTTP/')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const fields = new Map<string, string[]>();
    for (const line of lines) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      fields.set(name, [...(fields.get(name) ?? []), line.slice(line.indexOf(':') + 1).trim()]);
    }
    heads.push({ status: Number(statusLine?.split(' ')[1]), fields, keepAlive: raw.includes('\r\nconnection: keep-alive\r\n') });
    rest = rest.slice(end + 4 + Number(fields.get('content-length')?.[0] ?? 0));
  }
  return heads;
}

describe('rate limits through the gateway (memory store)', () => {
  it('admits exactly the limit, each response carrying RateLimit-Policy and RateLimit; then 429 problem+json, never forwarded', async (t) => {
    const origin = await originWith(t);
    const { url } = await limitedGateway(t, origin, { 'per-ip': { limit: 3, windowSec: 60, by: 'ip' } }, [
      { path: '/v1/*', rateLimit: 'per-ip' },
    ]);
    const seen: Array<[number, string | undefined, string | undefined]> = [];
    for (let i = 0; i < 3; i++) {
      const res = await send(`${url}/v1/items`);
      seen.push([res.status, res.header('ratelimit-policy'), res.header('ratelimit')]);
    }
    assert.deepEqual(seen, [
      [200, '"per-ip";q=3;w=60', '"per-ip";r=2;t=20'],
      [200, '"per-ip";q=3;w=60', '"per-ip";r=1;t=40'],
      [200, '"per-ip";q=3;w=60', '"per-ip";r=0;t=60'],
    ]);
    const refused = await send(`${url}/v1/items`, { method: 'POST', body: 'x' });
    assert.equal(refused.status, 429);
    assert.equal(refused.header('content-type'), 'application/problem+json');
    assert.equal(refused.header('retry-after'), '20');
    assert.equal(refused.header('ratelimit-policy'), '"per-ip";q=3;w=60');
    assert.equal(refused.header('ratelimit'), '"per-ip";r=0;t=60');
    assert.equal(refused.header('cache-control'), 'no-store');
    assert.ok(refused.header('x-request-id'));
    const problem = JSON.parse(refused.text) as Record<string, unknown>;
    assert.equal(problem['status'], 429);
    assert.equal(problem['title'], 'Too Many Requests');
    assert.equal(problem['code'], 'CACHET_ERR_RATE_LIMITED');
    assert.match(String(problem['detail']), /per-ip: 3 requests per 60 s/);
    assert.equal(origin.count(), 3, 'the refused request never reached the origin');
  });

  it('counts cache hits (checked before the cache) and puts the fields on hits, on the serialised-head path too', async (t) => {
    const origin = await originWith(t, CACHEABLE);
    const { url } = await limitedGateway(t, origin, { burst: { limit: 4, windowSec: 40, by: 'ip' } }, [{ path: '/*', rateLimit: 'burst' }]);
    const miss = await send(`${url}/doc`);
    assert.equal(miss.header('ratelimit'), '"burst";r=3;t=10');
    assert.match(miss.header('cache-status') ?? '', /miss/);
    const host = new URL(url).host;
    const request = `GET /doc HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const heads = parseHeads(await rawExchange(url, request.repeat(4)));
    assert.equal(heads.length, 4);
    assert.ok(heads[0]?.keepAlive, 'hits on a kept-alive connection took the serialised head');
    assert.deepEqual(
      heads.map((h) => [h.status, h.fields.get('cache-status')?.[0]?.includes('hit') ?? false, h.fields.get('ratelimit')]),
      [
        [200, true, ['"burst";r=2;t=20']],
        [200, true, ['"burst";r=1;t=30']],
        [200, true, ['"burst";r=0;t=40']],
        [429, false, ['"burst";r=0;t=40']],
      ],
    );
    for (const head of heads.slice(0, 3)) assert.deepEqual(head.fields.get('ratelimit-policy'), ['"burst";q=4;w=40']);
    assert.equal(origin.count(), 1);
  });

  it('a window later the quota is whole again; a refused client comes back after Retry-After', async (t) => {
    const origin = await originWith(t);
    const clock = createManualClock();
    const { url } = await limitedGateway(
      t,
      origin,
      { slow: { limit: 2, windowSec: '1m', by: 'ip' } },
      [{ path: '/*', rateLimit: 'slow' }],
      {},
      clock,
    );
    assert.equal((await send(`${url}/a`)).status, 200);
    assert.equal((await send(`${url}/a`)).status, 200);
    const refused = await send(`${url}/a`);
    assert.equal(refused.status, 429);
    assert.equal(refused.header('retry-after'), '30');
    clock.advance(29_999);
    assert.equal((await send(`${url}/a`)).status, 429);
    clock.advance(1);
    assert.equal((await send(`${url}/a`)).header('ratelimit'), '"slow";r=0;t=60');
    clock.advance(60_000);
    assert.equal((await send(`${url}/a`)).header('ratelimit'), '"slow";r=1;t=30');
  });

  it('a route without rateLimit is untouched beside a limited one', async (t) => {
    const origin = await originWith(t);
    const { url, adminUrl } = await limitedGateway(t, origin, { one: { limit: 1, windowSec: 60, by: 'ip' } }, [
      { path: '/limited', rateLimit: 'one' },
      { path: '/*' },
    ]);
    assert.equal((await send(`${url}/limited`)).status, 200);
    assert.equal((await send(`${url}/limited`)).status, 429);
    for (let i = 0; i < 5; i++) {
      const res = await send(`${url}/free`);
      assert.equal(res.status, 200);
      assert.equal(res.header('ratelimit'), undefined);
      assert.equal(res.header('ratelimit-policy'), undefined);
    }
    const metrics = (await send(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text;
    assert.match(metrics, /cachet_rate_limit_requests_total\{policy="one",decision="admitted"\} 1\n/);
    assert.match(metrics, /cachet_rate_limit_requests_total\{policy="one",decision="refused"\} 1\n/);
  });

  it('policies applied together: each counts, the tighter refuses, and a refused request counts against none', async (t) => {
    const origin = await originWith(t);
    const clock = createManualClock();
    const { url } = await limitedGateway(
      t,
      origin,
      { short: { limit: 2, windowSec: 10, by: 'ip' }, long: { limit: 3, windowSec: 3600, by: 'ip' } },
      [{ path: '/*', rateLimit: ['short', 'long'] }],
      {},
      clock,
    );
    const first = await send(`${url}/x`);
    assert.equal(first.header('ratelimit-policy'), '"short";q=2;w=10, "long";q=3;w=3600');
    assert.equal(first.header('ratelimit'), '"short";r=1;t=5, "long";r=2;t=1200');
    await send(`${url}/x`);
    const refused = await send(`${url}/x`);
    assert.equal(refused.status, 429);
    assert.equal(refused.header('ratelimit'), '"short";r=0;t=10', 'only the policy that refused');
    assert.equal(refused.header('retry-after'), '5');
    // Had the refused request counted against `long`, it would refuse this one.
    clock.advance(10_000);
    assert.equal((await send(`${url}/x`)).header('ratelimit'), '"short";r=1;t=5, "long";r=0;t=3590');
    assert.equal((await send(`${url}/x`)).status, 429);
  });

  it('by header counts each value apart, and a request without the field counts by client address', async (t) => {
    const origin = await originWith(t);
    const { url } = await limitedGateway(t, origin, { 'per-key': { limit: 1, windowSec: 60, by: 'header:X-Api-Key' } }, [
      { path: '/*', rateLimit: 'per-key' },
    ]);
    const withKey = (key: string) => send(`${url}/k`, { headers: { 'x-api-key': key } });
    assert.equal((await withKey('alpha')).status, 200);
    assert.equal((await withKey('alpha')).status, 429);
    assert.equal((await withKey('beta')).status, 200);
    assert.equal((await send(`${url}/k`)).status, 200);
    assert.equal((await send(`${url}/k`)).status, 429);
  });

  it('by subject counts the verified subject, after authentication: a bad token is 401, not counted', async (t) => {
    const origin = await originWith(t);
    const issuer = await startIssuer(t);
    const { url } = await limitedGateway(
      t,
      origin,
      { 'per-user': { limit: 1, windowSec: 60, by: 'subject' } },
      [{ path: '/*', auth: 'jwt', rateLimit: 'per-user' }],
      { auth: { jwt: { issuer: issuer.issuer, audience: 'cachet-test', jwksUri: issuer.jwksUri, algorithms: ['RS256'] } } },
      systemClock,
    );
    const as = async (sub: string) => `Bearer ${await issuer.sign({ sub, aud: 'cachet-test' })}`;
    assert.equal((await send(`${url}/me`, { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.equal((await send(`${url}/me`, { headers: { authorization: await as('alice') } })).status, 200);
    assert.equal((await send(`${url}/me`, { headers: { authorization: await as('alice') } })).status, 429);
    assert.equal((await send(`${url}/me`, { headers: { authorization: await as('bob') } })).status, 200);
  });
});
