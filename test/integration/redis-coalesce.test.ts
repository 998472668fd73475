import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOrigin, type Origin, type OriginHandler } from '../helpers/origin.ts';
import { startGateway, type SentResponse, type StartedGateway } from '../helpers/gateway.ts';
import { get, isHit } from '../helpers/shared-gateways.ts';
import { hasRedisOrSkip, startRedis, type RedisServer } from '../helpers/redis.ts';
import { createKeyLayout } from '../../src/cache/store/redis/keys.ts';

/** How long an instance waits for another's fill in these tests. */
const WAIT_MS = 800;
const ORIGIN_DELAY_MS = 300;

interface TimedOrigin extends Origin {
  /** When each request arrived and when its answer was sent, in arrival order (performance.now()). */
  readonly spans: Array<{ start: number; end: number }>;
}

/** An origin that answers after `ORIGIN_DELAY_MS`, with `respond` deciding the answer from the request count. */
async function startSlowOrigin(t: TestContext, respond: (count: number) => { status: number; cacheControl: string }): Promise<TimedOrigin> {
  const spans: Array<{ start: number; end: number }> = [];
  const handler: OriginHandler = async (req, res, _body, count) => {
    const span = { start: performance.now(), end: Number.NaN };
    spans.push(span);
    await sleep(ORIGIN_DELAY_MS);
    const { status, cacheControl } = respond(count);
    res.writeHead(status, { 'cache-control': cacheControl, 'content-type': 'text/plain' });
    res.end(`answer ${count} for ${req.url}`);
    span.end = performance.now();
  };
  const origin = await startOrigin(t, handler);
  return Object.assign(origin, { spans });
}

/** Two instances on one Redis, under one key prefix. */
async function startPair(t: TestContext, origin: Origin, redis: RedisServer, waitMs = WAIT_MS): Promise<[StartedGateway, StartedGateway]> {
  const keyPrefix = `co-${randomBytes(4).toString('hex')}:`;
  const start = (): Promise<StartedGateway> =>
    startGateway(t, [origin.url], {
      store: { type: 'redis', url: redis.url, keyPrefix, commandTimeoutMs: 500, coalesceWaitMs: waitMs },
    });
  return Promise.all([start(), start()]);
}

/** GET through one instance, with how long its answer took. */
async function timedGet(gateway: StartedGateway, path: string): Promise<{ answer: SentResponse; ms: number }> {
  const startedAt = performance.now();
  const answer = await get(gateway, path);
  return { answer, ms: performance.now() - startedAt };
}

const STORABLE = { status: 200, cacheControl: 'public, max-age=60' };

if (hasRedisOrSkip()) {
  const redis = await startRedis();

  describe('misses coalesced across instances', () => {
    it('concurrent misses spread over two instances make one origin request; the waiting instance answers from Redis', async (t) => {
      const origin = await startSlowOrigin(t, () => STORABLE);
      const [a, b] = await startPair(t, origin, redis);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => get(i % 2 === 0 ? a : b, '/shared')));

      assert.equal(origin.count('/shared'), 1, 'one origin request for both instances');
      for (const answer of answers) {
        assert.equal(answer.status, 200);
        assert.equal(answer.text, 'answer 1 for /shared');
      }
      assert.ok(answers.some(isHit), 'the instance that waited answers from what the other stored');
    });

    it('a lease whose holder died keeps the others waiting only the bounded time, then they go to the origin', async (t) => {
      const origin = await startSlowOrigin(t, () => STORABLE);
      const keyPrefix = `dead-${randomBytes(4).toString('hex')}:`;
      const gateway = await startGateway(t, [origin.url], {
        store: { type: 'redis', url: redis.url, keyPrefix, commandTimeoutMs: 500, coalesceWaitMs: WAIT_MS },
      });
      // The lease of an instance that took it and died: it expires on its own later than the wait.
      redis.cli('set', createKeyLayout(keyPrefix).fillLeaseKey('http://api.test/held'), 'dead-instance', 'PX', '60000');

      const { answer, ms } = await timedGet(gateway, '/held');
      assert.equal(answer.status, 200);
      assert.equal(origin.count('/held'), 1);
      assert.ok(ms >= WAIT_MS, `waited ${ms.toFixed(0)} ms for the holder, at least the ${WAIT_MS} ms bound`);
      assert.ok(ms < WAIT_MS + ORIGIN_DELAY_MS + 1500, `then went to the origin (answered after ${ms.toFixed(0)} ms)`);
    });

    for (const [name, first] of [
      ['fails (5xx)', { status: 503, cacheControl: 'no-cache' }],
      ['is not storable', { status: 200, cacheControl: 'no-store' }],
    ] as const) {
      it(`when the lease holder's response ${name}, the other instance goes to the origin as soon as the holder is done`, async (t) => {
        const origin = await startSlowOrigin(t, (count) => (count === 1 ? first : STORABLE));
        const [a, b] = await startPair(t, origin, redis, 10_000);
        const leader = timedGet(a, '/once');
        await sleep(50);
        const waiter = await timedGet(b, '/once');
        assert.equal((await leader).answer.status, first.status);

        assert.equal(waiter.answer.status, 200);
        assert.equal(origin.count('/once'), 2);
        const [held, own] = origin.spans as [{ start: number; end: number }, { start: number; end: number }];
        assert.ok(own.start >= held.end, 'the waiting instance asked the origin only once the holder had its answer');
        assert.ok(waiter.ms < 10_000, `it did not wait out the bound (${waiter.ms.toFixed(0)} ms)`);
      });
    }
  });

  it('with Redis down no lease is taken and nothing waits; once it is back, misses are coalesced again', async (t) => {
    const own = await startRedis();
    const origin = await startSlowOrigin(t, () => STORABLE);
    const [a, b] = await startPair(t, origin, own, 5000);
    await own.kill();

    const down = await Promise.all([timedGet(a, '/down'), timedGet(b, '/down')]);
    for (const { answer, ms } of down) {
      assert.equal(answer.status, 200);
      assert.ok(ms < 2000, `answered in ${ms.toFixed(0)} ms without waiting on a lease`);
    }
    assert.equal(origin.count('/down'), 2);

    await own.restart();
    await sleep(1500);
    await Promise.all([get(a, '/up'), get(b, '/up'), get(a, '/up'), get(b, '/up')]);
    assert.equal(origin.count('/up'), 1);
  });
}
