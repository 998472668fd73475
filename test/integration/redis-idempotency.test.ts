import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRedisConnection } from '../../src/redis/connection.ts';
import { createRedisIdempotencyStore } from '../../src/idempotency/redis-store.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { startOrigin, type Origin } from '../helpers/origin.ts';
import { send, startGateway, type SentResponse, type StartedGateway } from '../helpers/gateway.ts';
import { runIdempotencyStoreConformance } from '../unit/idempotency/store-conformance.ts';

/** Idempotency-Key records in a real Redis, shared by two gateway instances. */

if (hasRedisOrSkip()) {
  const server = await startRedis();

  describe('redis idempotency store: the store contract', () => {
    runIdempotencyStoreConformance(async () => {
      const redis = createRedisConnection({ url: server.url, commandTimeoutMs: 500 });
      return {
        store: createRedisIdempotencyStore({ redis, keyPrefix: `conformance-${randomUUID()}:` }),
        elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        close: () => redis.close(),
      };
    });
  });

  const ROUTES = [
    { path: '/v1/orders', methods: ['POST'], upstream: 'api', idempotency: { required: true, ttlSec: 60 } },
    { path: '/v1/notes', methods: ['POST'], upstream: 'api', idempotency: { required: false, ttlSec: 60 } },
  ];

  /**
   * Two instances on one Redis under a prefix of their own, in front of one origin that answers after `delayMs`.
   * `commandTimeoutMs`: a burst on a loaded machine can stall the event loop past a short command timeout, and
   * the answer is then a 503 (safe, but not what a test of atomicity looks at).
   */
  async function startPair(
    t: TestContext,
    delayMs = 0,
    commandTimeoutMs = 200,
  ): Promise<{ origin: Origin; a: StartedGateway; b: StartedGateway }> {
    const origin = await startOrigin(t, async (_req, res, body, count) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: count, body: body.toString() }));
    });
    const prefix = `idem-${randomUUID()}:`;
    const raw = { routes: ROUTES, store: { type: 'redis', url: server.url, keyPrefix: prefix, commandTimeoutMs } };
    const a = await startGateway(t, [origin.url], raw);
    const b = await startGateway(t, [origin.url], raw);
    return { origin, a, b };
  }

  function post(gateway: StartedGateway, key: string, body: string, path = '/v1/orders'): Promise<SentResponse> {
    return send(`${gateway.url}${path}`, { method: 'POST', headers: { 'idempotency-key': key }, body });
  }

  describe('Idempotency-Key across instances sharing Redis', () => {
    it('100 concurrent identical POSTs with one key across two instances: exactly one reaches the upstream', async (t) => {
      const { origin, a, b } = await startPair(t, 100, 2000);
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => post(i % 2 === 0 ? a : b, '"burst"', '{"n":1}')));
      assert.equal(origin.count(), 1);
      const kinds = answers.map((answer) => (answer.header('idempotent-replayed') === 'true' ? 'replay' : String(answer.status)));
      assert.equal(kinds.filter((kind) => kind === '201').length, 1);
      assert.ok(
        kinds.every((kind) => kind === '201' || kind === '409' || kind === 'replay'),
        kinds.join(' '),
      );
      // Afterwards both instances replay the one response.
      const first = answers.find((answer) => answer.status === 201 && answer.header('idempotent-replayed') === undefined);
      for (const gateway of [a, b]) {
        const replay = await post(gateway, '"burst"', '{"n":1}');
        assert.equal(replay.header('idempotent-replayed'), 'true');
        assert.equal(replay.text, first?.text);
      }
      assert.equal(origin.count(), 1);
    });

    it('a key used on one instance: 422 with another body and 409 while in flight on the other', async (t) => {
      const { origin, a, b } = await startPair(t, 300);
      const first = post(a, '"shared"', 'one');
      while (origin.count() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal((await post(b, '"shared"', 'one')).status, 409);
      assert.equal((await post(b, '"shared"', 'two')).status, 422);
      assert.equal((await first).status, 201);
      assert.equal((await post(b, '"shared"', 'one')).header('idempotent-replayed'), 'true');
      assert.equal(origin.count(), 1);
    });

    it('Redis down: 503 at once on a route that requires the key, never a second run; a route where it is optional still forwards', async (t) => {
      const { origin, a } = await startPair(t);
      assert.equal((await post(a, '"before"', 'x')).status, 201);
      await server.kill();
      let restarted = false;
      t.after(() => (restarted ? undefined : server.restart()));
      for (let i = 0; i < 5; i++) {
        const startedAt = performance.now();
        const refused = await post(a, '"before"', 'x');
        const ms = performance.now() - startedAt;
        assert.equal(refused.status, 503);
        assert.equal((JSON.parse(refused.text) as { code: string }).code, 'CACHET_ERR_IDEMPOTENCY_UNAVAILABLE');
        assert.equal(refused.header('retry-after'), '1');
        assert.ok(ms < 1000, `answered after ${Math.round(ms)} ms`);
      }
      assert.equal(origin.count(), 1);
      const optional = await post(a, '"note"', 'x', '/v1/notes');
      assert.equal(optional.status, 201);
      assert.equal(origin.count(), 2);
      await server.restart();
      restarted = true;
      const backAt = Date.now();
      // Redis restarted empty: the key is new to it.
      while ((await post(a, '"after"', 'x')).status === 503) {
        assert.ok(Date.now() - backAt < 5000, 'still 503 five seconds after Redis returned');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal((await post(a, '"after"', 'x')).header('idempotent-replayed'), 'true');
    });
  });
}
