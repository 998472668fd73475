import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BalancerKind, UpstreamConfig } from '../../src/config/types.ts';
import { createUpstreamPool, type Target, type UpstreamPool } from '../../src/upstream/pool.ts';

async function startOrigin(t: TestContext, handler: RequestListener): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function buildConfig(targets: string[], balancer: BalancerKind): UpstreamConfig {
  return {
    name: 'api',
    targets,
    balancer,
    healthCheck: undefined,
    passiveHealth: { failureThreshold: 3, resetThreshold: 5, minHealthyPercent: 50, ejectMs: 10_000 },
    timeouts: { connectMs: 1000, responseMs: 2000 },
    retries: 0,
    connectionsPerTarget: 8,
  };
}

/** One proxied GET through the pool, bracketed with begin/end the way the proxy does. */
async function dispatch(pool: UpstreamPool, target: Target, path: string): Promise<string> {
  pool.begin(target);
  try {
    const response = await target.dispatcher.request({ method: 'GET', path });
    const text = await response.body.text();
    pool.end(target, 'ok');
    return text;
  } catch (error) {
    pool.end(target, 'error');
    throw error;
  }
}

test('round-robin spreads requests evenly across 3 real targets', async (t) => {
  const urls = await Promise.all(['a', 'b', 'c'].map((id) => startOrigin(t, (_req, res) => res.end(id))));
  const pool = createUpstreamPool(buildConfig(urls, 'round-robin'));
  t.after(() => pool.close());

  const counts = new Map<string, number>();
  for (let i = 0; i < 30; i++) {
    const target = pool.pick();
    assert.ok(target);
    const id = await dispatch(pool, target, '/');
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { a: 10, b: 10, c: 10 });
});

test('least-connections prefers the idle target while another holds slow requests', async (t) => {
  const held: Array<() => void> = [];
  const slowUrl = await startOrigin(t, (req, res) => {
    if (req.url === '/slow') held.push(() => res.end('slow'));
    else res.end('slow-target');
  });
  const idleUrl = await startOrigin(t, (_req, res) => res.end('idle-target'));
  const pool = createUpstreamPool(buildConfig([slowUrl, idleUrl], 'least-connections'));
  t.after(() => pool.close());
  const slowTarget = pool.targets[0] as Target;

  const slowRequests = [1, 2, 3].map(() => dispatch(pool, slowTarget, '/slow'));
  while (held.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(slowTarget.inflight, 3);

  const answers: string[] = [];
  for (let i = 0; i < 6; i++) {
    const target = pool.pick();
    assert.ok(target);
    answers.push(await dispatch(pool, target, '/'));
  }
  assert.deepEqual(answers, Array(6).fill('idle-target'));

  for (const release of held) release();
  assert.deepEqual(await Promise.all(slowRequests), ['slow', 'slow', 'slow']);
  assert.equal(slowTarget.inflight, 0);

  // With both idle again, ties spread across both targets.
  const spread = new Set<string>();
  for (let i = 0; i < 4; i++) spread.add(await dispatch(pool, pool.pick() as Target, '/'));
  assert.deepEqual([...spread].sort(), ['idle-target', 'slow-target']);
});
