import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createGateway } from '../../src/gateway.ts';
import { validateConfig } from '../../src/config/load.ts';
import { startOrigin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway, type SentResponse } from '../helpers/gateway.ts';
import { startInstance } from './workers-helpers.ts';

// `/livez`, `/readyz` and the read-only metrics token, through real sockets: the admin listener of one gateway,
// and the supervisor's with `workers: 2`.

const METRICS_TOKEN = 'read-only-metrics-token-0123';
const asMetrics = { authorization: `Bearer ${METRICS_TOKEN}` };
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const json = { 'content-type': 'application/json' };

function assertProblem(reply: SentResponse, status: number, code: string): void {
  assert.equal(reply.status, status);
  assert.equal(reply.header('content-type'), 'application/problem+json');
  assert.equal((JSON.parse(reply.text) as { code?: string }).code, code);
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(t: TestContext, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`${t.name}: condition not met in 3 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('/livez and /readyz answer without a token while the gateway serves', async (t) => {
  const origin = await startOrigin(t);
  const { adminUrl } = await startGateway(t, [origin.url]);
  const live = await send(`${adminUrl}/livez`);
  assert.deepEqual([live.status, live.header('content-type'), JSON.parse(live.text)], [200, 'application/json', { status: 'ok' }]);
  assert.equal(live.header('cache-control'), 'no-store');
  const ready = await send(`${adminUrl}/readyz`);
  assert.deepEqual([ready.status, JSON.parse(ready.text)], [200, { status: 'ready' }]);
  assert.equal((await send(`${adminUrl}/readyz`, { method: 'HEAD' })).status, 200);
  assertProblem(await send(`${adminUrl}/livez`, { method: 'POST' }), 405, 'CACHET_ERR_ADMIN_METHOD');
  assertProblem(await send(`${adminUrl}/readyz`, { method: 'DELETE' }), 405, 'CACHET_ERR_ADMIN_METHOD');
  // No metrics token configured: no bearer token but the admin one reads /metrics.
  assertProblem(await send(`${adminUrl}/metrics`, { headers: asMetrics }), 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED');
  assertProblem(await send(`${adminUrl}/metrics`, { headers: { authorization: 'Bearer ' } }), 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED');
});

test('/readyz answers 503 naming an upstream without a healthy target, while /livez stays 200', async (t) => {
  const origin = await startOrigin(t);
  const down = `http://127.0.0.1:${await closedPort()}`;
  const { adminUrl } = await startGateway(t, [origin.url], {
    upstreams: {
      api: { targets: [origin.url] },
      gone: { targets: [down], healthCheck: { path: '/', intervalMs: 20, timeoutMs: 200, unhealthyThreshold: 1 } },
    },
    routes: [
      { path: '/gone/*', upstream: 'gone' },
      { path: '/*', upstream: 'api' },
    ],
  });
  await until(t, async () => (await send(`${adminUrl}/readyz`)).status === 503);
  const ready = await send(`${adminUrl}/readyz`);
  assert.deepEqual(JSON.parse(ready.text), { status: 'not ready', notReady: ['upstream gone: no healthy target'] });
  assert.equal(ready.header('content-type'), 'application/json');
  assert.deepEqual(JSON.parse((await send(`${adminUrl}/livez`)).text), { status: 'ok' });
  // `/health` keeps its summary.
  assert.equal((await send(`${adminUrl}/health`)).status, 503);
});

test('/readyz answers 503 while the gateway drains, and the admin listener stays up until the drain ends', async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const origin = await startOrigin(undefined, async (_req, res) => {
    await held;
    res.end('late');
  });
  const config = validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
    upstreams: { api: { targets: [origin.url] } },
    routes: [{ path: '/*', upstream: 'api' }],
    shutdown: { drainTimeoutMs: 3000 },
    log: { level: 'silent' },
  });
  const gateway = await createGateway(config);
  const { url, adminUrl } = await gateway.listen();
  try {
    const inFlight = send(`${url}/slow`);
    while (origin.count('/slow') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const closed = gateway.close();
    const ready = await send(`${adminUrl}/readyz`);
    assert.deepEqual([ready.status, JSON.parse(ready.text)], [503, { status: 'not ready', notReady: ['draining: shutting down'] }]);
    assert.equal((await send(`${adminUrl}/livez`)).status, 200);
    release();
    assert.equal((await inFlight).text, 'late');
    await closed;
  } finally {
    release();
    await origin.close();
  }
});

test('the metrics token reads /metrics and /health only; the admin token still works everywhere', async (t) => {
  const origin = await startOrigin(t);
  const { adminUrl } = await startGateway(t, [origin.url], {
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN, metricsToken: METRICS_TOKEN },
  });
  const metrics = await send(`${adminUrl}/metrics`, { headers: asMetrics });
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /cachet_requests_total/);
  assert.equal((await send(`${adminUrl}/health`, { headers: asMetrics })).status, 200);

  const purge = await send(`${adminUrl}/purge`, { method: 'POST', headers: { ...asMetrics, ...json }, body: '{"url":"/a"}' });
  assertProblem(purge, 403, 'CACHET_ERR_ADMIN_FORBIDDEN');
  const revoke = await send(`${adminUrl}/revocations`, {
    method: 'POST',
    headers: { ...asMetrics, ...json },
    body: '{"jti":"t-1","exp":4102444800}',
  });
  assertProblem(revoke, 403, 'CACHET_ERR_ADMIN_FORBIDDEN');
  assertProblem(await send(`${adminUrl}/revocations`, { headers: asMetrics }), 403, 'CACHET_ERR_ADMIN_FORBIDDEN');
  // Unknown paths answer 403 too: the metrics token learns nothing about what else exists.
  assertProblem(await send(`${adminUrl}/nothing`, { headers: asMetrics }), 403, 'CACHET_ERR_ADMIN_FORBIDDEN');

  assert.equal((await send(`${adminUrl}/metrics`, { headers: asAdmin })).status, 200);
  const adminPurge = await send(`${adminUrl}/purge`, { method: 'POST', headers: { ...asAdmin, ...json }, body: '{"url":"/a"}' });
  assert.deepEqual([adminPurge.status, JSON.parse(adminPurge.text)], [200, { purged: 0 }]);
  assert.equal((await send(`${adminUrl}/revocations`, { headers: asAdmin })).status, 200);
  assertProblem(
    await send(`${adminUrl}/metrics`, { headers: { authorization: 'Bearer not-a-token-of-ours' } }),
    401,
    'CACHET_ERR_ADMIN_UNAUTHORIZED',
  );
});

test('admin.metricsToken is read from the config; one shorter than 16 characters is refused, without echoing it', () => {
  const config = validateConfig({
    admin: { token: ADMIN_TOKEN, metricsToken: METRICS_TOKEN },
    upstreams: { api: { targets: ['http://127.0.0.1:1'] } },
    routes: [{ path: '/*', upstream: 'api' }],
  });
  assert.equal(config.admin?.metricsToken, METRICS_TOKEN);
  assert.throws(
    () =>
      validateConfig({
        admin: { token: ADMIN_TOKEN, metricsToken: 'sh0rt-s3cret' },
        upstreams: { api: { targets: ['http://127.0.0.1:1'] } },
        routes: [{ path: '/*', upstream: 'api' }],
      }),
    (err: Error) => /admin\.metricsToken/.test(err.message) && !err.message.includes('sh0rt-s3cret'),
  );
});

test('workers: 2: the supervisor admin answers /livez and /readyz without a token', async (t) => {
  const origin = await startOrigin(t);
  const instance = await startInstance(t, [
    'workers: 2',
    `upstreams: { api: { targets: [${origin.url}] } }`,
    'routes: [{ path: /*, upstream: api }]',
  ]);
  await instance.waitForWorkers(2);
  const live = await send(`${instance.adminUrl}/livez`);
  assert.deepEqual([live.status, JSON.parse(live.text)], [200, { status: 'ok' }]);
  const ready = await send(`${instance.adminUrl}/readyz`);
  assert.deepEqual([ready.status, JSON.parse(ready.text)], [200, { status: 'ready' }]);
});

test('workers: 2: while the workers drain, the supervisor admin still accepts probes and answers /readyz 503', async (t) => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  t.after(() => release());
  const origin = await startOrigin(t, async (_req, res) => {
    await held;
    res.end('late');
  });
  const instance = await startInstance(t, [
    'workers: 2',
    `upstreams: { api: { targets: [${origin.url}] } }`,
    'routes: [{ path: /*, upstream: api }]',
  ]);
  await instance.waitForWorkers(2);
  const inFlight = send(`${instance.url}/slow`);
  while (origin.count('/slow') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  instance.child.kill('SIGTERM');
  // The worker holding /slow drains for up to 2 s; a new probe connection meanwhile is answered, not refused.
  await until(t, async () => (await send(`${instance.adminUrl}/readyz`)).status === 503);
  const ready = await send(`${instance.adminUrl}/readyz`);
  assert.deepEqual(JSON.parse(ready.text), { status: 'not ready', notReady: ['draining: shutting down'] });
  assert.equal((await send(`${instance.adminUrl}/livez`)).status, 200);
  release();
  assert.equal((await inFlight).text, 'late');
  assert.equal(await instance.exited, 0);
});
