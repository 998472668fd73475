import { test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startGateway, type StartedGateway } from '../helpers/gateway.ts';
import { startOrigin } from '../helpers/origin.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { get, startSharedGateway, waitUntil } from '../helpers/shared-gateways.ts';

// `/health` says whether the shared store answers, and `/readyz` makes it a condition only where
// `store.requiredForReadiness` asks for it: a real redis-server, killed and started again.

interface Readyz {
  readonly status: number;
  readonly body: { readonly status: string; readonly notReady?: readonly string[] };
}

async function readyz(gateway: StartedGateway): Promise<Readyz> {
  const answer = await send(`${gateway.adminUrl}/readyz`);
  return { status: answer.status, body: JSON.parse(answer.text) as Readyz['body'] };
}

async function health(gateway: StartedGateway): Promise<{ status: string; store?: string }> {
  return JSON.parse((await send(`${gateway.adminUrl}/health`)).text) as { status: string; store?: string };
}

/** Requests that reach Redis (each a new key), so its circuit notices it is gone, or back. */
async function touchStore(gateway: StartedGateway, round: number): Promise<void> {
  await Promise.all(Array.from({ length: 4 }, (_, i) => get(gateway, `/touch-${round}-${i}`)));
}

if (hasRedisOrSkip()) {
  test('store.requiredForReadiness: /readyz answers 503 while Redis is unavailable and ready again once it is back; /health says store down', async (t) => {
    const redis = await startRedis();
    const origin = await startOrigin(t);
    const gateway = await startSharedGateway(t, [origin.url], { url: redis.url }, 'ready:', {
      store: { type: 'redis', url: redis.url, keyPrefix: 'ready:', commandTimeoutMs: 200, requiredForReadiness: true },
    });
    await touchStore(gateway, 0);
    assert.deepEqual(await readyz(gateway), { status: 200, body: { status: 'ready' } });
    assert.deepEqual(await health(gateway), { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }], store: 'up' });

    await redis.kill();
    let round = 1;
    await waitUntil(async () => {
      await touchStore(gateway, round++);
      return (await readyz(gateway)).status === 503;
    }, '/readyz 503 after Redis was killed');
    assert.deepEqual((await readyz(gateway)).body, { status: 'not ready', notReady: ['store: redis unavailable'] });
    assert.deepEqual(await health(gateway), { status: 'degraded', upstreams: [{ name: 'api', healthy: 1, total: 1 }], store: 'down' });
    // Not ready, still serving: the origin answers what the store cannot.
    assert.equal((await get(gateway, '/while-down')).status, 200);

    await redis.restart();
    await waitUntil(async () => {
      await touchStore(gateway, round++);
      return (await readyz(gateway)).status === 200;
    }, '/readyz 200 once Redis is back');
    assert.equal((await health(gateway)).store, 'up');
  });

  test('without requiredForReadiness a Redis outage leaves /readyz at 200: every instance shares it, none is taken out of rotation', async (t) => {
    const redis = await startRedis();
    const origin = await startOrigin(t);
    const gateway = await startSharedGateway(t, [origin.url], { url: redis.url }, 'ready-default:');
    await touchStore(gateway, 0);
    await redis.kill();
    let round = 1;
    await waitUntil(async () => {
      await touchStore(gateway, round++);
      return (await health(gateway)).store === 'down';
    }, '/health store down after Redis was killed');
    assert.equal((await health(gateway)).status, 'degraded');
    assert.deepEqual(await readyz(gateway), { status: 200, body: { status: 'ready' } });
  });
}

test('a memory-store gateway reports no store in /health', async (t) => {
  const origin = await startOrigin(t);
  const gateway = await startGateway(t, [origin.url]);
  assert.deepEqual(await health(gateway), { status: 'ok', upstreams: [{ name: 'api', healthy: 1, total: 1 }] });
});
