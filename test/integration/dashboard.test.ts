import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DashboardStats } from '../../src/admin/stats.ts';
import { startOrigin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway, type SentResponse } from '../helpers/gateway.ts';
import { ADMIN_TOKEN as WORKERS_ADMIN_TOKEN, sendMany, startInstance } from './workers-helpers.ts';

// `GET /dashboard` and `GET /stats` on the admin listener, over real sockets: the page needs no token, its data
// does (the admin or the metrics token); with `workers: 2` the supervisor serves both with every worker added up.
// The page itself is driven in a browser by dashboard-browser.test.ts.

const METRICS_TOKEN = 'read-only-metrics-token-0123';
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const asMetrics = { authorization: `Bearer ${METRICS_TOKEN}` };

function problemCode(reply: SentResponse): string | undefined {
  return (JSON.parse(reply.text) as { code?: string }).code;
}

function statsOf(reply: SentResponse): DashboardStats {
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.header('content-type'), 'application/json');
  assert.equal(reply.header('cache-control'), 'no-store');
  return JSON.parse(reply.text) as DashboardStats;
}

test('/dashboard and its script and style answer without a token, under a CSP that allows this origin only', async (t) => {
  const origin = await startOrigin(t);
  const { adminUrl } = await startGateway(t, [origin.url]);
  const page = await send(`${adminUrl}/dashboard`);
  assert.equal(page.status, 200);
  assert.equal(page.header('content-type'), 'text/html; charset=utf-8');
  assert.match(page.text, /<script type="module" src="dashboard\/app\.js"><\/script>/);
  // Every script, style and link is relative: nothing from another origin, no inline script.
  assert.doesNotMatch(page.text, /(src|href)="(https?:)?\/\//);
  assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)/);
  for (const [path, type] of [
    ['/dashboard', 'text/html'],
    ['/dashboard/app.js', 'text/javascript'],
    ['/dashboard/style.css', 'text/css'],
  ] as const) {
    const reply = await send(`${adminUrl}${path}`);
    assert.equal(reply.status, 200, path);
    assert.equal(reply.header('content-type'), `${type}; charset=utf-8`);
    assert.equal(reply.header('cache-control'), 'no-store');
    assert.equal(reply.header('x-content-type-options'), 'nosniff');
    const csp = reply.header('content-security-policy') ?? '';
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal((await send(`${adminUrl}${path}`, { method: 'HEAD' })).status, 200);
  }
  const post = await send(`${adminUrl}/dashboard`, { method: 'POST' });
  assert.deepEqual([post.status, post.header('allow'), problemCode(post)], [405, 'GET, HEAD', 'CACHET_ERR_ADMIN_METHOD']);
  // Only the page's own files are open; any other path under it still needs the token.
  const other = await send(`${adminUrl}/dashboard/secret.json`);
  assert.deepEqual([other.status, problemCode(other)], [401, 'CACHET_ERR_ADMIN_UNAUTHORIZED']);
});

test('/stats needs the admin or metrics token and gives totals, hit ratio, latency buckets, health and recent purges', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=600');
    res.end('cached body');
  });
  const { url, adminUrl } = await startGateway(t, [origin.url], {
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN, metricsToken: METRICS_TOKEN },
  });
  const missing = await send(`${adminUrl}/stats`);
  assert.deepEqual([missing.status, problemCode(missing)], [401, 'CACHET_ERR_ADMIN_UNAUTHORIZED']);
  const wrong = await send(`${adminUrl}/stats`, { headers: { authorization: 'Bearer not-a-token-of-ours' } });
  assert.deepEqual([wrong.status, problemCode(wrong)], [401, 'CACHET_ERR_ADMIN_UNAUTHORIZED']);
  const post = await send(`${adminUrl}/stats`, { method: 'POST', headers: asAdmin });
  assert.deepEqual([post.status, problemCode(post)], [405, 'CACHET_ERR_ADMIN_METHOD']);

  const before = statsOf(await send(`${adminUrl}/stats`, { headers: asMetrics }));
  assert.deepEqual(before.requests, { total: 0, byStatus: {}, byCache: {} });
  assert.deepEqual(before.cache.hitRatio, null);
  assert.deepEqual(before.health, { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] });
  assert.deepEqual(before.purges, []);

  for (let i = 0; i < 3; i++) assert.equal((await send(`${url}/item`)).status, 200);
  assert.equal((await send(`${url}/missing`, { method: 'POST' })).status, 200);
  const after = statsOf(await send(`${adminUrl}/stats`, { headers: asAdmin }));
  assert.equal(after.requests.total, 4);
  assert.deepEqual(after.requests.byStatus, { 200: 4 });
  assert.deepEqual([after.cache.hits, after.cache.misses, after.cache.hitRatio], [2, 1, 2 / 3]);
  assert.equal(after.cache.entries, 1);
  assert.ok((after.cache.bytes ?? 0) > 0);
  assert.equal(after.latency.cumulative.length, after.latency.bucketsSec.length + 1);
  assert.equal(after.latency.cumulative.at(-1), 4);
  assert.ok(after.latency.bucketsSec.every((bound, i) => i === 0 || bound > (after.latency.bucketsSec[i - 1] as number)));
  assert.ok(after.latency.sumSec > 0);
  assert.ok(after.at >= before.at);

  const purge = await send(`${adminUrl}/purge`, {
    method: 'POST',
    headers: { ...asAdmin, 'content-type': 'application/json' },
    body: '{"url":"/item"}',
  });
  assert.deepEqual(JSON.parse(purge.text), { purged: 1 });
  await send(`${adminUrl}/purge`, {
    method: 'POST',
    headers: { ...asAdmin, 'content-type': 'application/json' },
    body: '{"tags":["a","b"],"soft":true}',
  });
  const purged = statsOf(await send(`${adminUrl}/stats`, { headers: asMetrics }));
  assert.ok(purged.purges.every(({ at }) => at >= after.at));
  assert.deepEqual(
    purged.purges.map(({ at: _at, ...rest }) => rest),
    [
      { selectors: [{ tag: 'a' }, { tag: 'b' }], soft: true, purged: 0 },
      { selectors: [{ url: '/item' }], soft: false, purged: 1 },
    ],
  );
  // The metrics token reads the stats, never purges.
  const refused = await send(`${adminUrl}/purge`, {
    method: 'POST',
    headers: { ...asMetrics, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.deepEqual([refused.status, problemCode(refused)], [403, 'CACHET_ERR_ADMIN_FORBIDDEN']);
});

test('workers: 2: the supervisor serves /dashboard, and /stats adds up both workers and lists its purges', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=600');
    res.end('cached body');
  });
  const instance = await startInstance(t, [
    'workers: 2',
    `upstreams: { api: { targets: [${origin.url}] } }`,
    'routes: [{ path: /*, upstream: api }]',
  ]);
  await instance.waitForWorkers(2);
  const page = await send(`${instance.adminUrl}/dashboard`);
  assert.deepEqual([page.status, page.header('content-type')], [200, 'text/html; charset=utf-8']);
  assert.equal((await send(`${instance.adminUrl}/dashboard/app.js`)).status, 200);

  const requests = 12;
  await sendMany(`${instance.url}/a`, requests);
  await instance.admin('/purge', { method: 'POST', body: { prefix: '/a' } });
  const stats = statsOf(await send(`${instance.adminUrl}/stats`, { headers: { authorization: `Bearer ${WORKERS_ADMIN_TOKEN}` } }));
  assert.equal(stats.requests.total, requests);
  assert.equal(stats.cache.hits + stats.cache.misses, requests);
  assert.equal(stats.cache.misses, origin.count('/a'));
  assert.equal(stats.cache.hitRatio, stats.cache.hits / requests);
  assert.equal(stats.latency.cumulative.at(-1), requests);
  assert.deepEqual(stats.health, { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] });
  assert.deepEqual(
    stats.purges.map(({ selectors, purged }) => ({ selectors, purged })),
    [{ selectors: [{ prefix: '/a' }], purged: origin.count('/a') }],
  );
});
