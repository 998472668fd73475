import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { startOrigin } from '../helpers/origin.ts';
import { send, ADMIN_TOKEN } from '../helpers/gateway.ts';
import { startLoggedGateway } from '../helpers/log-capture.ts';

/** A port nothing listens on (taken, then released): connections to it are refused. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('upstream failures: a refused connect (502) and a timeout (504) are logged with upstream, target and request id', async (t) => {
  const refused = `http://127.0.0.1:${await freePort()}`;
  const silent = await startOrigin(t, () => new Promise(() => {}));
  const gateway = await startLoggedGateway(t, [refused], {
    upstreams: {
      api: { targets: [refused] },
      slow: { targets: [silent.url], timeouts: { responseMs: 100 } },
    },
    routes: [
      { path: '/slow/*', upstream: 'slow' },
      { path: '/*', upstream: 'api' },
    ],
  });

  const failed = await send(`${gateway.url}/a`, { headers: { 'x-request-id': 'req-connect' } });
  assert.equal(failed.status, 502);
  const timedOut = await send(`${gateway.url}/slow/b`, { headers: { 'x-request-id': 'req-timeout' } });
  assert.equal(timedOut.status, 504);

  const lines = await gateway.log.waitFor('upstream request failed', 2);
  const byRequest = new Map(lines.map((line) => [line.requestId, line]));
  assert.deepEqual(pick(byRequest.get('req-connect'), ['level', 'upstream', 'target', 'kind']), {
    level: 40,
    upstream: 'api',
    target: refused,
    kind: 'connect',
  });
  assert.deepEqual(pick(byRequest.get('req-timeout'), ['level', 'upstream', 'target', 'kind']), {
    level: 40,
    upstream: 'slow',
    target: silent.url,
    kind: 'timeout',
  });
});

test('passive health: an ejection and the re-admission after a successful trial are logged once each', async (t) => {
  const port = await freePort();
  const flaky = `http://127.0.0.1:${port}`;
  const steady = await startOrigin(t, (_req, res) => res.end('steady'));
  const gateway = await startLoggedGateway(t, [flaky, steady.url], {
    upstream: { passiveHealth: { failureThreshold: 1, ejectMs: 200, minHealthyPercent: 0 } },
    cache: { enabled: false },
  });

  // The connect failure is retried on the other target; the refused one is ejected.
  assert.equal((await send(`${gateway.url}/a`, { headers: { 'x-request-id': 'req-eject' } })).status, 200);
  const [ejected] = await gateway.log.waitFor('upstream target ejected');
  assert.deepEqual(pick(ejected, ['level', 'upstream', 'target', 'outcome', 'consecutiveConnectFailures', 'requestId']), {
    level: 40,
    upstream: 'api',
    target: flaky,
    outcome: 'connect-error',
    consecutiveConnectFailures: 1,
    requestId: 'req-eject',
  });

  // The target comes back; once its ejection has run out, a trial request succeeds and re-admits it.
  await startOrigin(t, (_req, res) => res.end('back'), port);
  await delay(250);
  for (let i = 0; i < 10 && gateway.log.find('upstream target re-admitted after a successful request').length === 0; i++) {
    assert.equal((await send(`${gateway.url}/b${i}`)).status, 200);
  }
  const readmitted = gateway.log.find('upstream target re-admitted after a successful request');
  assert.equal(readmitted.length, 1);
  assert.deepEqual(pick(readmitted[0], ['level', 'upstream', 'target']), { level: 30, upstream: 'api', target: flaky });
  assert.equal(gateway.log.find('upstream target ejected').length, 1);
});

test('active health: a target going down and coming back is logged once per change, not once per probe', async (t) => {
  let healthy = true;
  const origin = await startOrigin(t, (req, res) => {
    if (req.url === '/healthz' && !healthy) res.statusCode = 500;
    res.end('ok');
  });
  const gateway = await startLoggedGateway(t, [origin.url], {
    upstream: { healthCheck: { path: '/healthz', intervalMs: 20, unhealthyThreshold: 2, healthyThreshold: 2 } },
  });
  healthy = false;
  const [down] = await gateway.log.waitFor('upstream target unhealthy by its health checks');
  assert.deepEqual(pick(down, ['level', 'upstream', 'target', 'reason']), {
    level: 40,
    upstream: 'api',
    target: origin.url,
    reason: 'status 500',
  });
  // Several more failing probes: no more lines.
  const probes = origin.count('/healthz');
  while (origin.count('/healthz') < probes + 4) await delay(10);
  healthy = true;
  await gateway.log.waitFor('upstream target healthy again by its health checks');
  while (origin.count('/healthz') < probes + 10) await delay(10);
  assert.equal(gateway.log.find('upstream target unhealthy by its health checks').length, 1);
  assert.equal(gateway.log.find('upstream target healthy again by its health checks').length, 1);
});

test('refused admin requests are logged with path, reason and peer address, never the token', async (t) => {
  const origin = await startOrigin(t);
  const metricsToken = 'metrics-token-0123456789abcdef';
  const gateway = await startLoggedGateway(t, [origin.url], {
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN, metricsToken },
  });
  const wrong = 'wrong-token-that-must-not-be-logged';
  assert.equal((await send(`${gateway.adminUrl}/purge`, { method: 'POST' })).status, 401);
  assert.equal((await send(`${gateway.adminUrl}/metrics?x=1`, { headers: { authorization: `Bearer ${wrong}` } })).status, 401);
  assert.equal(
    (await send(`${gateway.adminUrl}/purge`, { method: 'POST', headers: { authorization: `Bearer ${metricsToken}` } })).status,
    403,
  );
  assert.equal((await send(`${gateway.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);

  const refusals = gateway.log.find('admin request refused');
  assert.deepEqual(
    refusals.map((line) => pick(line, ['level', 'path', 'method', 'reason', 'remoteAddress'])),
    [
      { level: 40, path: '/purge', method: 'POST', reason: 'missing', remoteAddress: '127.0.0.1' },
      { level: 40, path: '/metrics', method: 'GET', reason: 'invalid', remoteAddress: '127.0.0.1' },
      { level: 40, path: '/purge', method: 'POST', reason: 'metrics-scope', remoteAddress: '127.0.0.1' },
    ],
  );
  const text = JSON.stringify(gateway.log.lines());
  for (const token of [wrong, metricsToken, ADMIN_TOKEN]) assert.ok(!text.includes(token), 'no token in the log');
});

test('redis not answering: one line when the store becomes unavailable, failure lines say how many they stand for', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.end('ok');
  });
  // Accepts connections and never answers: every command times out, until the circuit opens.
  const silent = createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  const gateway = await startLoggedGateway(t, [origin.url], {
    store: { type: 'redis', url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 50 },
  });
  for (let i = 0; i < 8; i++) assert.equal((await send(`${gateway.url}/k${i}`)).status, 200);
  await gateway.log.waitFor('redis unavailable: answering from the memory tier and the upstreams while reconnecting');
  for (let i = 0; i < 8; i++) assert.equal((await send(`${gateway.url}/later${i}`)).status, 200);
  assert.equal(gateway.log.find('redis unavailable: answering from the memory tier and the upstreams while reconnecting').length, 1);
  // Failures before the circuit opened: at most one line per operation per interval, telling how many it stands for.
  const failures = gateway.log.find('redis call failed; answered without it');
  assert.ok(failures.length >= 1, 'the timeouts before the circuit opened are logged');
  const operations = failures.map((line) => line.operation);
  assert.equal(new Set(operations).size, operations.length, `one line per operation: ${operations.join(', ')}`);
  for (const line of failures) assert.equal(line.suppressed, 0, 'nothing held back before the first line');
  const text = await gateway.gateway.metrics.render();
  const errors = text
    .split('\n')
    .filter((line) => line.startsWith('cachet_store_errors_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  assert.ok(errors >= 16, `store errors counted: ${errors}`);
});

function pick(line: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, unknown> {
  assert.ok(line !== undefined, `no line for ${keys.join(', ')}`);
  return Object.fromEntries(keys.map((key) => [key, line[key]]));
}
