import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock } from '../helpers/clock.ts';
import type { HealthCheckConfig, UpstreamConfig } from '../../src/config/types.ts';
import { classifyUpstreamError } from '../../src/upstream/errors.ts';
import { createUpstreamPool, type Target, type UpstreamPool } from '../../src/upstream/pool.ts';

async function startOrigin(t: TestContext, handler: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A port nothing listens on: bound, then released. */
async function findClosedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function buildConfig(targets: string[], healthCheck?: HealthCheckConfig): UpstreamConfig {
  return {
    name: 'api',
    targets,
    balancer: 'round-robin',
    healthCheck,
    passiveHealth: { failureThreshold: 2, resetThreshold: 5, minHealthyPercent: 50, ejectMs: 10_000 },
    timeouts: { connectMs: 1000, responseMs: 2000 },
    retries: 0,
    connectionsPerTarget: 4,
  };
}

/** Resolves with the first health change of `target` to `healthy`; fails after `timeoutMs`. */
function waitForHealth(events: EventTarget, target: Target, healthy: boolean, timeoutMs = 1500): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${target.url} did not become ${healthy ? 'healthy' : 'unhealthy'}`)), timeoutMs);
    events.addEventListener('change', function onChange(event) {
      const { detail } = event as CustomEvent<{ target: Target; healthy: boolean }>;
      if (detail.target !== target || detail.healthy !== healthy) return;
      clearTimeout(timer);
      events.removeEventListener('change', onChange);
      resolve();
    });
  });
}

test('active checks take a target down after unhealthyThreshold failing probes and bring it back', async (t) => {
  let failing = false;
  const probesSeen = { ok: 0, failed: 0 };
  const sick = await startOrigin(t, (req, res) => {
    if (req.url !== '/health') {
      res.end('sick');
      return;
    }
    if (failing) probesSeen.failed++;
    else probesSeen.ok++;
    res.statusCode = failing ? 500 : 200;
    res.end(failing ? 'down' : 'up');
  });
  const well = await startOrigin(t, (_req, res) => res.end('well'));
  const events = new EventTarget();
  const healthCheck: HealthCheckConfig = { path: '/health', intervalMs: 50, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3 };
  const pool = createUpstreamPool(buildConfig([sick.url, well.url], healthCheck), {
    onHealthChange: (target, healthy) => events.dispatchEvent(new CustomEvent('change', { detail: { target, healthy } })),
  });
  t.after(() => pool.close());
  const sickTarget = pool.targets[0] as Target;
  pool.start();

  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.ok(probesSeen.ok >= 1, 'probes run while the target is well');
  assert.equal(sickTarget.healthy, true);

  failing = true;
  await waitForHealth(events, sickTarget, false);
  assert.ok(probesSeen.failed >= 3, `down only after 3 failed probes, saw ${probesSeen.failed}`);
  for (let i = 0; i < 4; i++) assert.equal(pool.pick()?.url, well.url);
  const report = pool.health().targets[0];
  assert.equal(report?.lastError, 'health check: status 500');
  assert.equal(report?.probe?.healthy, false);

  failing = false;
  const okBefore = probesSeen.ok;
  await waitForHealth(events, sickTarget, true);
  assert.ok(probesSeen.ok - okBefore >= 2, 'up only after 2 successful probes');
  assert.deepEqual(new Set([pool.pick()?.url, pool.pick()?.url]), new Set([sick.url, well.url]));
});

test('active probes never overlap: a target slower than the interval but within the timeout stays up', async (t) => {
  let concurrent = 0;
  let maxConcurrent = 0;
  let probes = 0;
  const slow = await startOrigin(t, (_req, res) => {
    probes++;
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    res.on('close', () => concurrent--);
    setTimeout(() => res.end('up'), 60);
  });
  const changes: boolean[] = [];
  // Probes started every 20 ms without single flight would queue behind the 60 ms one and time out at 200 ms.
  const healthCheck: HealthCheckConfig = { path: '/health', intervalMs: 20, timeoutMs: 200, healthyThreshold: 1, unhealthyThreshold: 1 };
  const pool = createUpstreamPool(buildConfig([slow.url], healthCheck), { onHealthChange: (_target, healthy) => changes.push(healthy) });
  t.after(() => pool.close());
  pool.start();
  await new Promise((resolve) => setTimeout(resolve, 450));
  assert.deepEqual(changes, []);
  assert.equal(pool.health().targets[0]?.lastError, undefined);
  assert.equal(maxConcurrent, 1);
  assert.ok(probes >= 3 && probes <= 8, `one probe at a time, ~every 60-80 ms: saw ${probes}`);
});

test('an active probe slower than timeoutMs fails', async (t) => {
  let probes = 0;
  const silent = await startOrigin(t, () => {
    probes++;
  });
  const healthCheck: HealthCheckConfig = { path: '/health', intervalMs: 20, timeoutMs: 150, healthyThreshold: 1, unhealthyThreshold: 1 };
  const events = new EventTarget();
  const pool = createUpstreamPool(buildConfig([silent.url], healthCheck), {
    onHealthChange: (target, healthy) => events.dispatchEvent(new CustomEvent('change', { detail: { target, healthy } })),
  });
  t.after(() => pool.close());
  const startedAt = Date.now();
  pool.start();
  await waitForHealth(events, pool.targets[0] as Target, false);
  assert.ok(Date.now() - startedAt >= 140, 'not before the probe timeout');
  assert.equal(probes, 1);
  assert.equal(pool.health().targets[0]?.lastError, 'health check: TimeoutError');
  assert.equal(pool.pick(), undefined, 'the only target is down: no target to pick');
});

test('active probes read the body, so one keep-alive connection serves every probe', async (t) => {
  let connections = 0;
  let probes = 0;
  const origin = await startOrigin(t, (_req, res) => {
    probes++;
    res.end('x'.repeat(10_000));
  });
  origin.server.on('connection', () => connections++);
  const pool = createUpstreamPool(
    buildConfig([origin.url], { path: '/health', intervalMs: 20, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 1 }),
  );
  t.after(() => pool.close());
  pool.start();
  while (probes < 4) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(connections, 1);
  assert.equal(pool.targets[0]?.healthy, true);
});

test('close() stops probing and aborts a probe in flight', async (t) => {
  let probes = 0;
  const origin = await startOrigin(t, () => {
    probes++;
  });
  const pool = createUpstreamPool(
    buildConfig([origin.url], { path: '/health', intervalMs: 20, timeoutMs: 5000, healthyThreshold: 1, unhealthyThreshold: 1 }),
  );
  t.after(() => pool.close());
  pool.start();
  while (probes < 1) await new Promise((resolve) => setTimeout(resolve, 5));
  const startedAt = Date.now();
  await pool.close();
  assert.ok(Date.now() - startedAt < 1000, 'close did not wait for the 5 s probe timeout');
  const probesAtClose = probes;
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(probes, probesAtClose);
});

async function sendThroughPool(pool: UpstreamPool): Promise<string> {
  const target = pool.pick();
  if (target === undefined) return 'unavailable';
  pool.begin(target);
  try {
    const response = await target.dispatcher.request({ method: 'GET', path: '/' });
    await response.body.dump();
    pool.end(target, 'ok');
    return target.url;
  } catch (error) {
    const kind = classifyUpstreamError(error);
    pool.end(target, kind === 'connect' ? 'connect-error' : kind === 'timeout' ? 'timeout' : 'error');
    return kind;
  }
}

test('a closed port is ejected passively after failureThreshold connect failures, and tried again after ejectMs', async (t) => {
  const closedUrl = await findClosedPortUrl();
  const live = await startOrigin(t, (_req, res) => res.end('live'));
  const clock = createManualClock();
  const pool = createUpstreamPool(buildConfig([closedUrl, live.url]), { clock });
  t.after(() => pool.close());

  const results: string[] = [];
  for (let i = 0; i < 6; i++) results.push(await sendThroughPool(pool));
  assert.deepEqual(results, ['connect', live.url, 'connect', live.url, live.url, live.url]);
  const report = pool.health().targets[0];
  assert.equal(report?.healthy, false);
  assert.equal(report?.ejectedUntil, clock.now() + 10_000);
  assert.equal(pool.health().healthy, 1);

  clock.advance(10_000);
  const retried: string[] = [];
  for (let i = 0; i < 4; i++) retried.push(await sendThroughPool(pool));
  assert.equal(retried.filter((r) => r === 'connect').length, 1, 'half-open: one trial, then ejected again');
  assert.equal(pool.targets[0]?.healthy, false);
});
