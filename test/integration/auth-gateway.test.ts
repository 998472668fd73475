import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { startGateway, send, ADMIN_TOKEN } from '../helpers/gateway.ts';
import { startIssuer, type Issuer } from '../helpers/tokens.ts';

async function startAuthGateway(
  t: import('node:test').TestContext,
): Promise<{ url: string; adminUrl: string; origin: Origin; issuer: Issuer }> {
  const issuer = await startIssuer(t);
  const origin = await startOrigin(t, (req, res) => {
    if (req.url?.startsWith('/v1/me')) {
      res.setHeader('cache-control', 'private, max-age=60');
      res.end(`private data of ${req.headers['x-auth-subject']}`);
      return;
    }
    res.setHeader('cache-control', 'public, max-age=60');
    res.end(`${req.url} for ${req.headers['x-auth-subject'] ?? 'anyone'}`);
  });
  const { url, adminUrl } = await startGateway(t, [origin.url], {
    auth: { jwt: { issuer: issuer.issuer, audience: 'cachet-test', jwksUri: issuer.jwksUri, algorithms: ['RS256'], clockToleranceSec: 5 } },
    routes: [
      { path: '/public/*', upstream: 'api', auth: 'none' },
      { path: '/v1/me/*', upstream: 'api', auth: 'jwt', scopes: ['read'], cache: { perUser: true } },
      { path: '/v1/admin/*', upstream: 'api', auth: 'jwt', scopes: ['admin'] },
      { path: '/v1/*', upstream: 'api', auth: 'jwt', scopes: ['read'] },
    ],
  });
  return { url, adminUrl: adminUrl as string, origin, issuer };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

test('no token → 401 with a Bearer challenge, and the upstream sees nothing (RFC 6750 §3)', async (t) => {
  const { url, origin } = await startAuthGateway(t);
  const res = await send(`${url}/v1/things`);
  assert.equal(res.status, 401);
  assert.equal(res.header('www-authenticate'), 'Bearer realm="cachet"');
  assert.match(res.header('content-type') ?? '', /application\/problem\+json/);
  assert.equal(origin.count(), 0);
});

test('a valid token reaches the upstream with the verified identity; spoofed identity fields are removed', async (t) => {
  const { url, origin, issuer } = await startAuthGateway(t);
  const token = await issuer.sign({ sub: 'alice', scope: 'read write' });
  const res = await send(`${url}/v1/things`, { headers: { ...bearer(token), 'x-auth-subject': 'mallory', 'x-auth-scopes': 'admin' } });
  assert.equal(res.status, 200);
  assert.equal(origin.requests[0]?.headers['x-auth-subject'], 'alice');
  assert.equal(origin.requests[0]?.headers['x-auth-scopes'], 'read write');
  await send(`${url}/public/x`, { headers: { 'x-auth-subject': 'mallory', 'x-auth-scopes': 'admin' } });
  assert.equal(origin.requests[1]?.headers['x-auth-subject'], undefined);
  assert.equal(origin.requests[1]?.headers['x-auth-scopes'], undefined);
});

test('bad tokens → 401 invalid_token; missing scope → 403 insufficient_scope; nothing reaches the upstream', async (t) => {
  const { url, origin, issuer } = await startAuthGateway(t);
  const now = Math.floor(Date.now() / 1000);
  const expired = await issuer.sign({ exp: now - 60, iat: now - 600 });
  const wrongAudience = await issuer.sign({ aud: 'someone-else' });
  const good = await issuer.sign({ scope: 'read' });
  const [h, p] = good.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'root', scope: 'admin read', iss: issuer.issuer, aud: 'cachet-test', exp: now + 300 })).toString('base64url')}.${good.split('.')[2]}`;
  const algNone = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
  for (const token of [expired, wrongAudience, tampered, algNone, 'not-a-token']) {
    const res = await send(`${url}/v1/things`, { headers: bearer(token) });
    assert.equal(res.status, 401, token);
    assert.match(res.header('www-authenticate') ?? '', /^Bearer realm="cachet", error="invalid_token"/);
  }
  const forbidden = await send(`${url}/v1/admin/x`, { headers: bearer(good) });
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.header('www-authenticate') ?? '', /error="insufficient_scope"/);
  assert.match(forbidden.header('www-authenticate') ?? '', /scope="admin"/);
  const inQuery = await send(`${url}/v1/things?access_token=${good}`);
  assert.equal(inQuery.status, 401);
  assert.equal(origin.count(), 0);
});

test('a cached response on an auth route is served only after the token verifies', async (t) => {
  const { url, origin, issuer } = await startAuthGateway(t);
  const token = await issuer.sign();
  assert.equal((await send(`${url}/v1/shared`, { headers: bearer(token) })).status, 200);
  const hit = await send(`${url}/v1/shared`, { headers: bearer(token) });
  assert.match(hit.header('cache-status') ?? '', /hit/);
  assert.equal((await send(`${url}/v1/shared`)).status, 401);
  assert.equal((await send(`${url}/v1/shared`, { headers: bearer(`${token}x`) })).status, 401);
  assert.equal(origin.count('/v1/shared'), 1);
});

test("path spellings cannot slip past a route's auth", async (t) => {
  const { url, origin } = await startAuthGateway(t);
  for (const spelling of ['/public/../v1/things', '/public/%2e%2e/v1/things', '//v1/things', '/public/.%2E/v1/things']) {
    const res = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(url).port), '127.0.0.1', () =>
        socket.write(`GET ${spelling} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(res, /^HTTP\/1\.1 (401|400) /, spelling);
  }
  assert.equal(origin.count(), 0);
});

test('revoking a jti or a subject takes effect at once', async (t) => {
  const { url, adminUrl, issuer } = await startAuthGateway(t);
  const now = Math.floor(Date.now() / 1000);
  const token = await issuer.sign({ jti: 'token-1', sub: 'alice' });
  const other = await issuer.sign({ jti: 'token-2', sub: 'bob', iat: now - 10 });
  assert.equal((await send(`${url}/v1/r`, { headers: bearer(token) })).status, 200);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  assert.equal(
    (await send(`${adminUrl}/revocations`, { method: 'POST', headers: admin, body: JSON.stringify({ jti: 'token-1', exp: now + 300 }) }))
      .status,
    201,
  );
  assert.equal((await send(`${url}/v1/r`, { headers: bearer(token) })).status, 401);
  assert.equal((await send(`${url}/v1/r`, { headers: bearer(other) })).status, 200);
  await send(`${adminUrl}/revocations`, { method: 'POST', headers: admin, body: JSON.stringify({ sub: 'bob', before: now }) });
  assert.equal((await send(`${url}/v1/r`, { headers: bearer(other) })).status, 401);
  const listed = JSON.parse((await send(`${adminUrl}/revocations`, { headers: admin })).text);
  assert.equal(listed.revocations.length, 2);
});

test('per-user caching: a private response is stored for its subject and never served to another', async (t) => {
  const { url, origin, issuer } = await startAuthGateway(t);
  const alice = await issuer.sign({ sub: 'alice' });
  const bob = await issuer.sign({ sub: 'bob' });
  assert.equal((await send(`${url}/v1/me/scans`, { headers: bearer(alice) })).text, 'private data of alice');
  const aliceAgain = await send(`${url}/v1/me/scans`, { headers: bearer(alice) });
  assert.equal(aliceAgain.text, 'private data of alice');
  assert.match(aliceAgain.header('cache-status') ?? '', /hit/);
  const bobs = await send(`${url}/v1/me/scans`, { headers: bearer(bob) });
  assert.equal(bobs.text, 'private data of bob');
  assert.doesNotMatch(bobs.header('cache-status') ?? '', /hit/);
  assert.equal((await send(`${url}/v1/me/scans`, { headers: bearer(bob) })).text, 'private data of bob');
  assert.equal(origin.count('/v1/me/scans'), 2);
  assert.equal((await send(`${url}/v1/me/scans`)).status, 401);
});

test('an Upgrade request on an authenticated route is refused without a valid token', async (t) => {
  const { url, origin } = await startAuthGateway(t);
  let upgrades = 0;
  origin.server.on('upgrade', (_req, socket) => {
    upgrades++;
    socket.destroy();
  });
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1', () => {
      socket.write(
        'GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let data = '';
    socket.on('data', (d) => {
      data += d.toString();
    });
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 401 /);
  assert.match(answer, /www-authenticate: Bearer realm="cachet"/i);
  assert.equal(upgrades, 0);
});

test('claim → header map, claim matches, per-user invalidation on write, and CORS on cached answers', async (t) => {
  const issuer = await startIssuer(t);
  let version = 0;
  const origin = await startOrigin(t, (req, res) => {
    if (req.method === 'POST') {
      version++;
      res.statusCode = 201;
      res.end();
      return;
    }
    res.setHeader('cache-control', req.url?.startsWith('/v1/me') ? 'private, max-age=60' : 'public, max-age=60');
    res.setHeader('access-control-allow-origin', '*');
    res.end(`${req.headers['x-auth-subject']} tenant=${req.headers['x-auth-tenant']} v${version}`);
  });
  const { url } = await startGateway(t, [origin.url], {
    auth: {
      jwt: { issuer: issuer.issuer, audience: 'cachet-test', jwksUri: issuer.jwksUri, algorithms: ['RS256'] },
      identityHeaders: { claims: { tenant: 'X-Auth-Tenant' } },
    },
    routes: [
      { path: '/v1/me/*', upstream: 'api', auth: 'jwt', claims: { tenant: 'acme' }, cache: { perUser: true } },
      { path: '/v1/*', upstream: 'api', auth: 'jwt', cors: { origins: ['https://app.example.test'], methods: ['GET'], credentials: true } },
    ],
  });
  const alice = await issuer.sign({ sub: 'alice', tenant: 'acme' });
  const mallory = await issuer.sign({ sub: 'mallory', tenant: 'evil' });

  assert.equal((await send(`${url}/v1/me/scans`, { headers: bearer(alice) })).text, 'alice tenant=acme v0');
  assert.match((await send(`${url}/v1/me/scans`, { headers: bearer(alice) })).header('cache-status') ?? '', /hit/);
  const wrongTenant = await send(`${url}/v1/me/scans`, { headers: bearer(mallory) });
  assert.equal(wrongTenant.status, 403);
  assert.match(wrongTenant.header('www-authenticate') ?? '', /error="insufficient_scope"/);

  assert.equal((await send(`${url}/v1/me/scans`, { method: 'POST', headers: bearer(alice), body: '{}' })).status, 201);
  const afterWrite = await send(`${url}/v1/me/scans`, { headers: bearer(alice) });
  assert.equal(afterWrite.text, 'alice tenant=acme v1', "the writer's own per-user copy was invalidated");

  const fromApp = { ...bearer(alice), origin: 'https://app.example.test' };
  await send(`${url}/v1/list`, { headers: fromApp });
  const cached = await send(`${url}/v1/list`, { headers: fromApp });
  assert.match(cached.header('cache-status') ?? '', /hit/);
  assert.equal(cached.header('access-control-allow-origin'), 'https://app.example.test', 'the edge owns CORS, the upstream * is gone');
  assert.equal(cached.header('access-control-allow-credentials'), 'true');
  assert.match(cached.header('vary') ?? '', /Origin/);
});
