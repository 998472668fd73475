import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { send } from '../helpers/gateway.ts';
import { sendMany, startInstance, type Instance } from './workers-helpers.ts';

// `workers: 2` through the real executable: a supervisor, two worker processes on one port, one admin API.
// Each worker has its own memory cache, so a URL fetched through both is fetched from the origin twice: that is
// how these tests see both workers answer, and see a purge or an invalidation reach both. One instance serves
// every test of this file, in order; each test uses paths of its own.

const REQUESTS = 24;
const SECRET = 'a-shared-secret-of-at-least-32-characters';

let origin: Origin;
let instance: Instance;
// Registered at the top level: an `after` called inside `before` would run as soon as that hook ends.
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

before(async () => {
  origin = await startOrigin(undefined, (req, res) => {
    res.setHeader('cache-control', 'max-age=600');
    res.setHeader('surrogate-key', 'items');
    res.end(`${req.method} ${req.url}`);
  });
  cleanups.push(() => origin.close());
  instance = await startInstance({ after: (fn) => cleanups.push(fn) }, [
    'workers: 2',
    `auth: { jwt: { issuer: https://issuer.test, audience: api, algorithms: [HS256], secret: ${SECRET} } }`,
    `upstreams: { api: { targets: [${origin.url}] } }`,
    'routes: [{ path: /private/*, upstream: api, auth: jwt }, { path: /*, upstream: api }]',
  ]);
});

test('workers: 2 answers from both workers, and /metrics adds up both workers', async () => {
  assert.equal((await instance.waitForWorkers(2)).length, 2);
  const answers = await sendMany(`${instance.url}/a`, REQUESTS);
  assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.text}`)), new Set(['200 GET /a']));
  // One miss per worker, every other request a hit in the worker that took it.
  assert.equal(origin.count('/a'), 2);
  assert.equal(answers.filter((a) => /^cachet; hit/.test(a.header('cache-status') ?? '')).length, REQUESTS - 2);

  assert.equal(await instance.metric('cachet_requests_total'), REQUESTS);
  assert.equal(await instance.metric('cachet_cache_hits_total'), REQUESTS - 2);
  assert.equal(await instance.metric('cachet_cache_hit_ratio'), (REQUESTS - 2) / REQUESTS);
  assert.equal(await instance.metric('cachet_request_duration_seconds_count'), REQUESTS);
  assert.equal(await instance.metric('cachet_workers'), 2);
  const health = await instance.admin('/health');
  assert.deepEqual([health.status, JSON.parse(health.text)], [200, { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] }]);
});

test('an admin purge and an invalidation by POST reach both workers before the answer', async () => {
  await sendMany(`${instance.url}/p`, REQUESTS);
  assert.equal(origin.count('/p'), 2);
  const purge = await instance.admin('/purge', { method: 'POST', body: { url: '/p' } });
  assert.deepEqual([purge.status, JSON.parse(purge.text)], [200, { purged: 2 }]);
  await sendMany(`${instance.url}/p`, REQUESTS);
  assert.equal(origin.count('/p'), 4, 'each worker fetched /p again');

  await sendMany(`${instance.url}/q`, REQUESTS);
  assert.equal(origin.count('/q'), 2);
  // RFC 9111 §4.4: a successful POST invalidates the target URI, in whichever worker forwarded it and in the other.
  assert.equal((await send(`${instance.url}/q`, { method: 'POST', body: 'x' })).status, 200);
  await sendMany(`${instance.url}/q`, REQUESTS);
  assert.equal(origin.requests.filter((r) => r.method === 'GET' && r.url === '/q').length, 4, 'each worker fetched /q again');

  const tagPurge = await instance.admin('/purge', { method: 'POST', body: { tag: 'items', soft: true } });
  assert.deepEqual(JSON.parse(tagPurge.text), { purged: 6 }, '/a, /p and /q in both workers');
});

test('a revocation is enforced by both workers as soon as the admin API answers, and its removal too', async () => {
  const exp = Math.floor(Date.now() / 1000) + 300;
  const token = await new SignJWT({ jti: 'token-1', sub: 'alice' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://issuer.test')
    .setAudience('api')
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(SECRET));
  const statuses = async (): Promise<Set<number>> =>
    new Set((await sendMany(`${instance.url}/private/me`, REQUESTS, { authorization: `Bearer ${token}` })).map((a) => a.status));

  assert.deepEqual(await statuses(), new Set([200]));
  const revoked = await instance.admin('/revocations', { method: 'POST', body: { jti: 'token-1', exp } });
  assert.equal(revoked.status, 201);
  assert.deepEqual(await statuses(), new Set([401]));
  assert.deepEqual(JSON.parse((await instance.admin('/revocations')).text), { revocations: [{ jti: 'token-1', exp }] });

  assert.deepEqual(JSON.parse((await instance.admin('/revocations/jti/token-1', { method: 'DELETE' })).text), { removed: true });
  assert.deepEqual(await statuses(), new Set([200]));
});
