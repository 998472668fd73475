import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startDemoStack, type DemoStack } from '../../../examples/demo/stack.ts';
import { createKeyLayout } from '../../../src/cache/store/redis/keys.ts';
import { hasRedisOrSkip } from '../../helpers/redis.ts';
import { createClient, FREE_PORTS } from './helpers.ts';

// The tour of `npm start -- --redis`: two cachet instances in front of the same origins, sharing one private
// redis-server. The tests build on each other in file order, as the printed tour does.
if (hasRedisOrSkip()) {
  let stack: DemoStack;
  const client = createClient();
  const tokens: Record<string, string> = {};

  before(async () => {
    stack = await startDemoStack({
      ports: { ...FREE_PORTS, 'cachet-2': 0, 'admin-2': 0, redis: 0 },
      definitionsBytes: 64 * 1024,
      logLevel: 'silent',
      redis: 'private',
    });
    for (const user of ['alice', 'analyst']) {
      const res = await client.send(`${stack.gatewayUrl}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: user, client_secret: `${user}-secret` }).toString(),
      });
      tokens[user] = res.json<{ access_token: string }>().access_token;
    }
  });
  after(async () => {
    await client.close();
    await stack?.stop();
  });

  /**
   * An answer is written to Redis after it reached the client; wait for that write before asking the other
   * instance, so its hit proves sharing rather than a copy of its own stored by an earlier miss.
   */
  const waitUntilInRedis = async (path: string): Promise<void> => {
    assert.ok(stack.redisUrl, 'the stack runs without Redis');
    const redis = new Redis(stack.redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    await redis.connect();
    try {
      const variants = createKeyLayout('cachet:').entryKeys(`http://${new URL(stack.gatewayUrl).host}${path}`).variants;
      const deadline = Date.now() + 5000;
      while ((await redis.exists(variants)) === 0) {
        assert.ok(Date.now() < deadline, `${path} was not written to Redis within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      redis.disconnect();
    }
  };

  /**
   * GET through one instance. Behind a load balancer every instance sees the same Host, and the host is part of
   * the cache key (RFC 9111 §2): so the second instance is sent the first one's, as `curl --connect-to` does in the tour.
   */
  const read = async (instance: 0 | 1, path: string): Promise<{ cacheStatus: string; text: string }> => {
    const gatewayUrl = stack.instances[instance]!.gatewayUrl;
    const host = new URL(stack.gatewayUrl).host;
    const res = await client.send(`${gatewayUrl}${path}`, { headers: { authorization: `Bearer ${tokens['alice']}`, host } });
    assert.equal(res.status, 200, path);
    return { cacheStatus: res.header('cache-status') ?? '', text: res.text };
  };

  const purgeOnFirst = async (body: Record<string, unknown>): Promise<void> => {
    const res = await client.send(`${stack.adminUrl}/purge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, res.text);
  };

  test('--redis: a private redis-server and two cachet instances, each with its own proxy and admin port', () => {
    assert.match(stack.redisUrl ?? '', /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(
      stack.instances.map((instance) => instance.name),
      ['cachet-1', 'cachet-2'],
    );
    const [first, second] = stack.instances;
    assert.equal(first?.gatewayUrl, stack.gatewayUrl);
    assert.equal(first?.adminUrl, stack.adminUrl);
    assert.notEqual(second?.gatewayUrl, first?.gatewayUrl);
    assert.notEqual(second?.adminUrl, first?.adminUrl);
    assert.deepEqual(stack.processes.map((child) => child.name).sort(), [
      'cachet-1',
      'cachet-2',
      'issuer',
      'origin-1',
      'origin-2',
      'origin-3',
      'redis',
    ]);
    assert.equal(stack.processes[0]?.name, 'redis', 'started first, so stopped last');
  });

  test('tour: a response stored through one instance is a hit on the other (RFC 9211 §2.1 Cache-Status)', async () => {
    const stored = await read(0, '/v1/threats/3');
    assert.match(stored.cacheStatus, /fwd=uri-miss.*stored/);
    await waitUntilInRedis('/v1/threats/3');
    const shared = await read(1, '/v1/threats/3');
    assert.match(shared.cacheStatus, /^cachet; hit/);
    assert.equal(shared.text, stored.text);
  });

  test("tour: a purge sent to one instance's admin API takes effect on both; the next answer on the other is a miss", async () => {
    // The second instance now holds threat 3 in its own memory tier too: the purge must reach that copy.
    assert.match((await read(1, '/v1/threats/3')).cacheStatus, /^cachet; hit/);
    await purgeOnFirst({ url: '/v1/threats/3' });
    assert.match((await read(1, '/v1/threats/3')).cacheStatus, /fwd=uri-miss/);
    // Stored again by the second instance: a hit on the first.
    await waitUntilInRedis('/v1/threats/3');
    assert.match((await read(0, '/v1/threats/3')).cacheStatus, /^cachet; hit/);
  });

  test('after a write, the tag purge the origin sends to the first instance reaches the second', async () => {
    await read(0, '/v1/threats');
    await waitUntilInRedis('/v1/threats');
    assert.match((await read(1, '/v1/threats')).cacheStatus, /^cachet; hit/);
    // The origin purges "threats" through the first instance's admin API before it answers the write.
    const created = await client.send(`${stack.instances[1]!.gatewayUrl}/v1/threats`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['analyst']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Win32/Trojan.ScaleOut.A', family: 'Trojan', severity: 'high', description: 'Two instances.' }),
    });
    assert.equal(created.status, 201, created.text);
    const after = await read(1, '/v1/threats');
    assert.match(after.cacheStatus, /fwd=uri-miss/);
    assert.match(after.text, /Win32\/Trojan\.ScaleOut\.A/);
  });

  test('stop() ends redis-server with the rest and removes the temporary directory', async () => {
    await stack.stop();
    for (const child of stack.processes) assert.equal(child.isRunning(), false, child.name);
    assert.equal(existsSync(stack.dataDir), false);
  });
}
