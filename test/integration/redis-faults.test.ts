import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createStore } from '../../src/cache/store/index.ts';
import type { CacheStore } from '../../src/cache/store/types.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { createEntryMeta, uniqueKey } from '../helpers/redis-store.ts';
import { startOrigin } from '../helpers/origin.ts';
import { send, startGateway } from '../helpers/gateway.ts';

const COMMAND_TIMEOUT_MS = 100;

if (hasRedisOrSkip()) {
  const server = await startRedis();

  /** One instance's store as `createStore` builds it, with its metrics and its log lines. */
  function openInstance(t: TestContext): { store: CacheStore; metrics: Metrics; logs: string[] } {
    const metrics = createMetrics();
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const store = createStore(
      {
        type: 'redis',
        url: server.url,
        memory: { maxBytes: 1024 * 1024 },
        keyPrefix: 'fault:',
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        streamMaxLength: 10_000,
        coalesceWaitMs: 0,
        requiredForReadiness: false,
        maxObjectBytes: 1024 * 1024,
      },
      { metrics, logger: createLogger('info', sink) },
    );
    t.after(() => store.close());
    return { store, metrics, logs };
  }

  async function storeAndShare(writer: CacheStore, reader: CacheStore, path: string): Promise<boolean> {
    const body = [Buffer.from(path)];
    const meta = createEntryMeta({ key: uniqueKey(path) }, body);
    await writer.put(meta, body);
    return (await reader.get(meta.key, Date.now()))?.length === 1;
  }

  async function sample(metrics: Metrics, name: string): Promise<number> {
    const line = (await metrics.render()).split('\n').find((l) => l.startsWith(name));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  /** A plain client for looking into Redis from the test; it never reconnects, and its errors are the test's to see. */
  function inspect(t: TestContext): Redis {
    const redis = new Redis(server.url, { retryStrategy: () => null, lazyConnect: false });
    redis.on('error', () => {});
    t.after(() => redis.disconnect());
    return redis;
  }

  /** Times one call; answers its result and how long it took. */
  async function timed<T>(call: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
    const startedAt = performance.now();
    const value = await call();
    return { value, ms: performance.now() - startedAt };
  }

  describe('redis faults', () => {
    it('Redis killed under traffic: misses answered quickly, writes dropped and counted, purges kept and replayed; whole again within 5 s of its return', async (t) => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      t.after(() => process.off('unhandledRejection', onUnhandled));
      const a = openInstance(t);
      const b = openInstance(t);
      assert.ok(await storeAndShare(a.store, b.store, '/before'), 'shared while Redis is up');
      const cached = createEntryMeta({ key: uniqueKey('/in-memory') });
      await a.store.put(cached, []);

      await server.kill();
      let slowest = 0;
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const { value, ms } = await timed(() => a.store.get(uniqueKey(`/miss-${i}`), Date.now()));
          assert.equal(value, undefined);
          slowest = Math.max(slowest, ms);
        }),
      );
      assert.ok(slowest < COMMAND_TIMEOUT_MS * 3, `a miss took ${slowest} ms with Redis down`);
      assert.ok(Array.isArray(a.store.get(cached.key, Date.now())), 'the memory tier still answers synchronously');
      await a.store.put(createEntryMeta({ key: uniqueKey('/dropped') }), []);
      assert.ok((await sample(a.metrics, 'cachet_store_errors_total{operation="put"}')) >= 1);
      assert.equal(await sample(a.metrics, 'cachet_store_remote_up'), 0);
      assert.equal(await a.store.purge({ url: cached.key }, { soft: false, now: Date.now() }), 1, 'applied to the memory tier');
      assert.equal(await sample(a.metrics, 'cachet_purges_not_shared_total'), 1);
      assert.ok(a.logs.some((line) => line.includes('purge applied to this instance only')));
      assert.ok(a.logs.some((line) => line.includes('redis unavailable')));

      await server.restart();
      const backAt = Date.now();
      while (!(await storeAndShare(a.store, b.store, '/after').catch(() => false))) {
        assert.ok(Date.now() - backAt < 5000, 'not sharing again 5 s after Redis returned');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(await sample(a.metrics, 'cachet_store_remote_up'), 1);
      // The purge made while Redis was down reached Redis once it was back.
      const redis = inspect(t);
      let markers: string[] = [];
      while (!markers.some((m) => m.includes(cached.key))) {
        assert.ok(Date.now() - backAt < 5000, 'the purge made while Redis was down was not replayed');
        await new Promise((resolve) => setTimeout(resolve, 50));
        markers = await redis.zrange('fault:{purges}', '0', '-1');
      }
      assert.deepEqual(unhandled, []);
    });

    it('a hung Redis: calls wait at most the command timeout, then the circuit opens and they answer at once', async (t) => {
      const a = openInstance(t);
      const b = openInstance(t);
      assert.ok(await storeAndShare(a.store, b.store, '/before-hang'));
      server.pause();
      t.after(() => server.resume());
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) {
        const { value, ms } = await timed(() => b.store.get(uniqueKey(`/hung-${i}`), Date.now()));
        assert.equal(value, undefined);
        waits.push(ms);
      }
      assert.ok(
        waits.every((ms) => ms < COMMAND_TIMEOUT_MS * 3),
        `waits ${waits.map(Math.round)}`,
      );
      assert.ok(
        waits.slice(3).every((ms) => ms < COMMAND_TIMEOUT_MS / 2),
        `open circuit answered in ${waits.map(Math.round)} ms`,
      );
      server.resume();
      const resumedAt = Date.now();
      while (!(await storeAndShare(a.store, b.store, '/after-hang'))) {
        assert.ok(Date.now() - resumedAt < 5000, 'not sharing again 5 s after Redis resumed');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    it('two gateways share one Redis: a response stored through one is a hit on the other, and none answers 5xx with Redis down', async (t) => {
      const origin = await startOrigin(t, (_req, res) => {
        res.setHeader('cache-control', 'max-age=60');
        res.end('from origin');
      });
      const store = { type: 'redis', url: server.url, keyPrefix: `gw-${Date.now()}:`, commandTimeoutMs: COMMAND_TIMEOUT_MS };
      const one = await startGateway(t, [origin.url], { store });
      const two = await startGateway(t, [origin.url], { store });
      // Both gateways behind one name, as behind a load balancer: the same Host, so the same cache key.
      const headers = { host: 'api.test' };
      assert.equal((await send(`${one.url}/shared`, { headers })).status, 200);
      // The fill is written after the response went out: wait until Redis holds it.
      const redis = inspect(t);
      while ((await redis.keys(`${store.keyPrefix}*:v:*`)).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const second = await send(`${two.url}/shared`, { headers });
      assert.equal(second.text, 'from origin');
      assert.match(second.header('cache-status') ?? '', /hit/);
      assert.equal(origin.count('/shared'), 1);

      await server.kill();
      t.after(() => server.restart());
      for (const path of ['/shared', '/new-1', '/new-2']) {
        const res = await send(`${two.url}${path}`, { headers });
        assert.equal(res.status, 200, path);
        assert.equal(res.text, 'from origin');
      }
    });
  });
}
