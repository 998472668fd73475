// Regression: one connection the origin reset after reading the request ejected the only target for
// passiveHealth.ejectMs, and every route answered 503 meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway, send, type StartedGateway } from '../helpers/gateway.ts';
import { rawExchange } from '../helpers/raw.ts';

const TWO_ROUTES = {
  routes: [
    { path: '/a/*', upstream: 'api' },
    { path: '/b/*', upstream: 'api' },
  ],
  cache: { enabled: false },
};

/** Drops the connection with an RST after reading the whole request, before any response byte. */
function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

async function healthOf(gateway: StartedGateway): Promise<unknown> {
  return JSON.parse((await send(`${gateway.adminUrl}/health`)).text);
}

async function metricLine(gateway: StartedGateway, prefix: string): Promise<string | undefined> {
  return (await gateway.gateway.metrics.render()).split('\n').find((line) => line.startsWith(prefix));
}

test('a GET whose connection the origin resets is retried on a fresh connection; the only target stays in', async (t) => {
  const origin = await startOrigin(t, (req, res, _body, count) => {
    if (count === 1) return resetConnection(req);
    res.end(`ok ${req.url}`);
  });
  const gateway = await startGateway(t, [origin.url], TWO_ROUTES);

  const first = await send(`${gateway.url}/a/1`);
  assert.equal(first.status, 200);
  assert.equal(first.text, 'ok /a/1');
  assert.equal(origin.count('/a/1'), 2, 'sent once more after the reset');
  for (const path of ['/a/2', '/b/1', '/b/2']) assert.equal((await send(`${gateway.url}${path}`)).status, 200, path);
  assert.deepEqual(await healthOf(gateway), { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] });
  assert.equal(
    await metricLine(gateway, 'cachet_upstream_retries_total{upstream="api",reason="reset"}'),
    'cachet_upstream_retries_total{upstream="api",reason="reset"} 1',
  );
  assert.match(
    (await metricLine(gateway, `cachet_upstream_requests_total{upstream="api",target="${origin.url}",outcome="reset"}`)) ?? '',
    / 1$/,
  );
});

test('of two targets, one reset sends the GET to the other and ejects nobody', async (t) => {
  const flaky = await startOrigin(t, (req, res, _body, count) => (count === 1 ? resetConnection(req) : res.end('flaky')));
  const steady = await startOrigin(t, (_req, res) => res.end('steady'));
  const gateway = await startGateway(t, [flaky.url, steady.url], { cache: { enabled: false } });
  const res = await send(`${gateway.url}/x`);
  assert.equal(res.status, 200);
  assert.equal(res.text, 'steady');
  assert.deepEqual(await healthOf(gateway), { status: 'ok', upstreams: [{ name: 'api', healthy: 2, total: 2 }] });
  const answers = new Set<string>();
  for (let i = 0; i < 4; i++) answers.add((await send(`${gateway.url}/y${i}`)).text);
  assert.deepEqual(answers, new Set(['flaky', 'steady']), 'both targets stay in the rotation');
});

test('a reset POST is not retried (502), and the target is not ejected for it', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    if (req.method === 'POST') return resetConnection(req);
    res.end('ok');
  });
  const gateway = await startGateway(t, [origin.url], TWO_ROUTES);

  const post = await send(`${gateway.url}/a/order`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 502);
  assert.equal(origin.count('/a/order'), 1, 'a POST is never sent twice (RFC 9110 §9.2.2)');
  assert.equal((await send(`${gateway.url}/a/list`)).status, 200);
  assert.equal((await send(`${gateway.url}/b/list`)).status, 200);
  assert.equal(JSON.parse(post.text).code, 'CACHET_ERR_UPSTREAM_RESPONSE', 'the target broke the exchange; it was reachable');
});

test('an origin that resets every request: each GET is retried once (not per retries), 502, never 503', async (t) => {
  const origin = await startOrigin(t, (req) => resetConnection(req));
  const gateway = await startGateway(t, [origin.url], { upstream: { retries: 3 }, cache: { enabled: false } });
  for (let i = 0; i < 7; i++) {
    const res = await send(`${gateway.url}/x${i}`);
    assert.equal(res.status, 502, `request ${i}`);
    assert.equal(origin.count(`/x${i}`), 2, `request ${i} sent twice`);
  }
  assert.deepEqual(await healthOf(gateway), { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] });
});

test('of two targets, one refusing connections is ejected after failureThreshold (default 3) failures; the other serves every request', async (t) => {
  const live = await startOrigin(t, (_req, res) => res.end('live'));
  const dead = await startOrigin(t);
  await dead.close();
  const gateway = await startGateway(t, [dead.url, live.url], { cache: { enabled: false } });

  const healthAfter: unknown[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await send(`${gateway.url}/x${i}`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'live');
    healthAfter.push(((await healthOf(gateway)) as { status: string }).status);
  }
  // The retry moves the round-robin cursor past the live target, so each request tries the refusing one first.
  assert.deepEqual(healthAfter, ['ok', 'ok', 'degraded', 'degraded', 'degraded', 'degraded', 'degraded', 'degraded']);
  assert.equal(
    await metricLine(gateway, 'cachet_upstream_retries_total{upstream="api",reason="connect"}'),
    'cachet_upstream_retries_total{upstream="api",reason="connect"} 3',
  );
});

test('a single target refusing connections is never ejected: 502 every time, not 503', async (t) => {
  const dead = await startOrigin(t);
  await dead.close();
  const gateway = await startGateway(t, [dead.url], { upstream: { passiveHealth: { failureThreshold: 1 } }, cache: { enabled: false } });
  for (let i = 0; i < 5; i++) {
    const res = await send(`${gateway.url}/x`);
    assert.equal(res.status, 502);
    assert.equal(JSON.parse(res.text).code, 'CACHET_ERR_UPSTREAM_CONNECT');
  }
  assert.deepEqual(await healthOf(gateway), { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] });
});

test('an upgrade whose connection the origin resets answers 502 and counts as a reset, not a refused connect', async (t) => {
  const origin = await startOrigin(t, (req) => resetConnection(req));
  const gateway = await startGateway(t, [origin.url], TWO_ROUTES);
  const answer = await rawExchange(gateway.url, 'GET /a/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 502 /);
  assert.match(
    (await metricLine(gateway, `cachet_upstream_requests_total{upstream="api",target="${origin.url}",outcome="reset"}`)) ?? '',
    / 1$/,
  );
  assert.equal(
    await metricLine(gateway, `cachet_upstream_requests_total{upstream="api",target="${origin.url}",outcome="connect-error"}`),
    undefined,
  );
});
