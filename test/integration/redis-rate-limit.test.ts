import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway, type SentResponse, type StartedGateway } from '../helpers/gateway.ts';
import { hasRedisOrSkip, startRedis, startRedisCluster } from '../helpers/redis.ts';
import { hashIdentity } from '../../src/rate-limit/redis-limiter.ts';

/** Sums `calls` of the commands a script check sends, from `INFO commandstats` text. */
function scriptCalls(commandstats: string): { evalsha: number; eval: number } {
  const calls = (command: string): number => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(commandstats)?.[1] ?? 0);
  return { evalsha: calls('evalsha'), eval: calls('eval') };
}

function origin(t: TestContext): Promise<Origin> {
  return startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.end('ok');
  });
}

/** A gateway on the Redis store under `keyPrefix`, with `policies` and `routes` (upstream `api`). */
function sharedGateway(
  t: TestContext,
  target: Origin,
  redis: { url: string } | { cluster: readonly string[] },
  keyPrefix: string,
  policies: Record<string, unknown>,
  routes: Array<Record<string, unknown>>,
  commandTimeoutMs = 100,
): Promise<StartedGateway> {
  return startGateway(t, [target.url], {
    store: { type: 'redis', ...redis, keyPrefix, commandTimeoutMs },
    rateLimits: policies,
    routes: routes.map((route) => ({ upstream: 'api', ...route })),
  });
}

function uniquePrefix(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}:`;
}

/** Runs `count` calls with at most `concurrency` in flight. */
async function runConcurrently<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await call(i);
      }
    }),
  );
  return results;
}

async function timed(call: () => Promise<SentResponse>): Promise<{ res: SentResponse; ms: number }> {
  const startedAt = performance.now();
  const res = await call();
  return { res, ms: performance.now() - startedAt };
}

if (hasRedisOrSkip()) {
  const redis = await startRedis();
  const server = { url: redis.url };

  describe('rate limits on a shared Redis', () => {
    /**
     * Two instances under one key prefix, one route `/*` limited to `limit` per hour by client address, both
     * counting on Redis: until its connection is ready an instance would count alone (`onStoreError`), so each
     * first answers a probe on a route of its own whose policy denies without Redis.
     */
    async function startPair(t: TestContext, limit: number): Promise<{ target: Origin; a: StartedGateway; b: StartedGateway }> {
      const target = await origin(t);
      const prefix = uniquePrefix('pair');
      const policies = {
        shared: { limit, windowSec: 3600, by: 'ip', onStoreError: 'deny' },
        probe: { limit: 1000, windowSec: 3600, by: 'ip', onStoreError: 'deny' },
      };
      const routes = [
        { path: '/probe', rateLimit: 'probe' },
        { path: '/*', rateLimit: 'shared' },
      ];
      const pair = [
        await sharedGateway(t, target, server, prefix, policies, routes),
        await sharedGateway(t, target, server, prefix, policies, routes),
      ];
      for (const gateway of pair) {
        for (let i = 0; (await send(`${gateway.url}/probe`)).status !== 200; i++) {
          assert.ok(i < 100, 'the instance reached Redis');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      const [a, b] = pair as [StartedGateway, StartedGateway];
      return { target, a, b };
    }

    it('two instances under concurrent load admit 98-100 % of the limit between them, and forward only those', async (t) => {
      const { target, a, b } = await startPair(t, 200);
      const answers = await runConcurrently(600, 40, (i) => send(`${(i % 2 === 0 ? a : b).url}/load/${i}`));
      const admitted = answers.filter((res) => res.status === 200).length;
      const refused = answers.filter((res) => res.status === 429).length;
      assert.equal(admitted + refused, 600);
      assert.ok(admitted >= 196 && admitted <= 200, `admitted ${admitted} of a limit of 200`);
      assert.equal(target.count('/probe') + admitted, target.count());
      const remaining = answers.filter((res) => res.status === 200).map((res) => /r=(\d+)/.exec(res.header('ratelimit') ?? '')?.[1]);
      assert.ok(remaining.includes('0') && remaining.includes('199'), 'RateLimit counts down across both instances');
    });

    it('a client Redis refused is refused again without a Redis call, on every instance, until Retry-After', async (t) => {
      const { target, a, b } = await startPair(t, 3);
      for (let i = 0; i < 3; i++) assert.equal((await send(`${a.url}/x`)).status, 200);
      // Each instance asks Redis once and learns the client is over its limit.
      assert.equal((await send(`${a.url}/x`)).status, 429);
      assert.equal((await send(`${b.url}/x`)).status, 429);
      const before = scriptCalls(redis.cli('info', 'commandstats'));
      for (let i = 0; i < 10; i++) {
        const res = await send(`${(i % 2 === 0 ? a : b).url}/x`);
        assert.equal(res.status, 429);
        // One interval of 3600 s / 3 from the first refusal, counting down as the test runs.
        const retryAfter = Number(res.header('retry-after'));
        assert.ok(retryAfter > 1150 && retryAfter <= 1200, `Retry-After ${retryAfter}`);
      }
      assert.deepEqual(scriptCalls(redis.cli('info', 'commandstats')), before);
      assert.equal(target.count() - target.count('/probe'), 3);
    });

    it('Redis killed: allow admits, deny answers 429 without a 5xx, local counts this process alone; never a hang; counting on Redis again once it is back', async (t) => {
      const target = await origin(t);
      const prefix = uniquePrefix('down');
      const gateway = await sharedGateway(
        t,
        target,
        server,
        prefix,
        {
          open: { limit: 100, windowSec: 60, by: 'ip', onStoreError: 'allow' },
          closed: { limit: 100, windowSec: 60, by: 'ip', onStoreError: 'deny' },
          share: { limit: 100, windowSec: 60, by: 'ip', localLimit: 2 },
        },
        [
          { path: '/allow', rateLimit: 'open' },
          { path: '/deny', rateLimit: 'closed' },
          { path: '/local', rateLimit: 'share' },
        ],
      );
      // Once the connection is ready, counted on Redis (a denied request counts nowhere).
      let first = await send(`${gateway.url}/deny`);
      for (let i = 0; first.status !== 200; i++) {
        assert.ok(i < 100, 'the instance reached Redis');
        await new Promise((resolve) => setTimeout(resolve, 20));
        first = await send(`${gateway.url}/deny`);
      }
      assert.equal(first.header('ratelimit'), '"closed";r=99;t=1');
      await redis.kill();
      let restarted = false;
      t.after(() => (restarted ? undefined : redis.restart()));
      const slowest = { ms: 0 };
      const call = async (path: string): Promise<SentResponse> => {
        const { res, ms } = await timed(() => send(`${gateway.url}${path}`));
        slowest.ms = Math.max(slowest.ms, ms);
        return res;
      };
      for (let i = 0; i < 5; i++) {
        const allowed = await call('/allow');
        assert.equal(allowed.status, 200);
        assert.equal(allowed.header('ratelimit-policy'), '"open";q=100;w=60');
        assert.equal(allowed.header('ratelimit'), undefined, 'nothing is known of the count');
        const denied = await call('/deny');
        assert.equal(denied.status, 429);
        assert.equal(denied.header('retry-after'), '1');
        assert.equal((JSON.parse(denied.text) as { code: string }).code, 'CACHET_ERR_RATE_LIMIT_UNCHECKED');
      }
      assert.deepEqual(
        [(await call('/local')).status, (await call('/local')).status, (await call('/local')).status],
        [200, 200, 429],
        'localLimit: 2 while Redis is away',
      );
      assert.ok(slowest.ms < 1000, `slowest answer ${Math.round(slowest.ms)} ms`);
      const metrics = (await send(`${gateway.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text;
      assert.match(metrics, /cachet_rate_limit_store_errors_total\{policy="open",fallback="allow"\} 5\n/);
      assert.match(metrics, /cachet_rate_limit_store_errors_total\{policy="closed",fallback="deny"\} 5\n/);
      assert.match(metrics, /cachet_rate_limit_store_errors_total\{policy="share",fallback="local"\} 3\n/);
      assert.match(metrics, /cachet_rate_limit_requests_total\{policy="closed",decision="refused"\} 5\n/);

      await redis.restart();
      restarted = true;
      const startedAt = performance.now();
      while ((await send(`${gateway.url}/deny`)).status !== 200) {
        assert.ok(performance.now() - startedAt < 5000, 'counting on Redis again within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    it('Redis hung (no answers): checks give up after the command timeout and the circuit answers at once after', async (t) => {
      const target = await origin(t);
      const gateway = await sharedGateway(
        t,
        target,
        server,
        uniquePrefix('hung'),
        { open: { limit: 100, windowSec: 60, by: 'ip', onStoreError: 'allow' } },
        [{ path: '/*', rateLimit: 'open' }],
      );
      assert.equal((await send(`${gateway.url}/warm`)).status, 200);
      redis.pause();
      t.after(() => redis.resume());
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        const { res, ms } = await timed(() => send(`${gateway.url}/hung`));
        assert.equal(res.status, 200);
        times.push(ms);
      }
      assert.ok(Math.max(...times) < 600, `answers took ${times.map(Math.round).join(', ')} ms`);
      // Under the 100 ms command timeout: the open circuit answers without waiting on Redis.
      assert.ok(Math.min(...times.slice(-3)) < 100, 'the open circuit answers without waiting');
      redis.resume();
    });
  });

  describe('rate limits on a Redis Cluster', () => {
    it("one client's counters share a slot (one script call per request, no CROSSSLOT); clients spread over every node", async (t) => {
      const cluster = await startRedisCluster();
      const target = await origin(t);
      const prefix = uniquePrefix('slots');
      const gateway = await sharedGateway(
        t,
        target,
        { cluster: cluster.urls },
        prefix,
        // Windows long enough that no counter expires while the test looks at them.
        {
          short: { limit: 50, windowSec: 600, by: 'header:x-client', localLimit: 10 },
          long: { limit: 500, windowSec: 3600, by: 'header:x-client', localLimit: 10 },
        },
        [{ path: '/*', rateLimit: ['short', 'long'], cache: false }],
        // Counting, not timeouts, is under test: a stalled loop on a busy machine must not open the circuit.
        1000,
      );
      // Until the cluster connection is ready, checks fall back to the local limit (r=9).
      for (
        let i = 0;
        !/"short";r=49/.test((await send(`${gateway.url}/c`, { headers: { 'x-client': `ready-${i}` } })).header('ratelimit') ?? '');
        i++
      ) {
        assert.ok(i < 100, 'the cluster connection became ready');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Every node loads the script (EVALSHA, then EVAL on NOSCRIPT) before counting is measured.
      for (let i = 0; i < 60; i++) await send(`${gateway.url}/c`, { headers: { 'x-client': `warm-${i}` } });
      for (const port of cluster.ports) cluster.cli(port, 'config', 'resetstat');
      const clients = Array.from({ length: 30 }, (_, i) => `client-${i}`);
      for (const client of clients) {
        const first = await send(`${gateway.url}/c`, { headers: { 'x-client': client } });
        assert.equal(first.header('ratelimit'), '"short";r=49;t=12, "long";r=499;t=8');
        const second = await send(`${gateway.url}/c`, { headers: { 'x-client': client } });
        assert.equal(second.header('ratelimit'), '"short";r=48;t=24, "long";r=498;t=15');
      }
      const calls = cluster.ports.map((port) => scriptCalls(cluster.cli(port, 'info', 'commandstats')));
      assert.equal(
        calls.reduce((sum, c) => sum + c.evalsha + c.eval, 0),
        clients.length * 2,
        `one script call per request: ${JSON.stringify(calls)}`,
      );
      const keysByNode = cluster.ports.map((port) => cluster.cli(port, '--scan', '--pattern', `${prefix}rl:*`).split('\n').filter(Boolean));
      assert.ok(
        keysByNode.every((keys) => keys.length > 0),
        `every node holds some clients: ${keysByNode.map((k) => k.length).join(', ')}`,
      );
      for (const client of clients) {
        const tagged = `${prefix}rl:{${hashIdentity(`v:${client}`)}}`;
        const holders = keysByNode.filter((keys) => keys.includes(`${tagged}:short`) && keys.includes(`${tagged}:long`));
        assert.equal(holders.length, 1, `${client}: both counters on one node`);
      }
      for (const keys of keysByNode) {
        for (const key of keys) assert.match(key, /^[^{]+rl:\{[0-9a-f]{16}\}:(short|long)$/);
      }
    });
  });
}
