import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startOrigin } from '../helpers/origin.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { admin, get, isHit, startSharedGateway, waitUntil } from '../helpers/shared-gateways.ts';
import type { StartedGateway } from '../helpers/gateway.ts';

// Redis failing under instances that share it: no purge is lost. A purge made while Redis is down is applied
// where it was made, said to be unshared, and reaches the others once Redis is back; an instance that cannot
// prove it missed nothing drops its memory tier rather than serve what a lost purge removed.

async function metric(gateway: StartedGateway, name: string): Promise<number> {
  const line = (await gateway.gateway.metrics.render()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

if (hasRedisOrSkip()) {
  const server = await startRedis();

  async function startPair(t: Parameters<typeof startSharedGateway>[0]) {
    const origin = await startOrigin(t, (req, res, _body, count) => {
      res.setHeader('cache-control', 'max-age=600');
      res.end(`${req.url} #${count}`);
    });
    const prefix = `busfault-${randomBytes(4).toString('hex')}:`;
    const one = await startSharedGateway(t, [origin.url], { url: server.url }, prefix);
    const two = await startSharedGateway(t, [origin.url], { url: server.url }, prefix);
    return { origin, one, two };
  }

  describe('the invalidation stream when Redis fails', () => {
    it('Redis restarted empty while an instance was cut off: the instance drops its memory tier (a miss, not a stale hit)', async (t) => {
      const { origin, two } = await startPair(t);
      await get(two, '/kept');
      assert.ok(isHit(await get(two, '/kept')), 'held in the memory tier');
      await server.kill();
      t.after(() => server.restart().catch(() => {}));
      assert.ok(isHit(await get(two, '/kept')), 'the memory tier still answers while Redis is down');
      await server.restart();
      await waitUntil(async () => (await metric(two, 'cachet_bus_gaps_total')) === 1, 'the gap to be noticed', 5000);
      const after = await get(two, '/kept');
      assert.ok(!isHit(after), `after the gap: ${after.header('cache-status')}`);
      assert.equal(origin.count('/kept'), 2);
    });

    it('Redis killed: a purge is applied locally and answered as not shared, then replayed and seen by the other instance', async (t) => {
      const { one, two } = await startPair(t);
      await get(one, '/doc');
      await waitUntil(async () => isHit(await get(two, '/doc')), 'a hit on the second instance');
      assert.ok(isHit(await get(one, '/doc')));

      await server.kill();
      t.after(() => server.restart().catch(() => {}));
      const answer = await admin(one, '/purge', { url: '/doc' });
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.text), { purged: 1, shared: false });
      assert.ok(!isHit(await get(one, '/doc')), 'applied where it was made');
      assert.ok(isHit(await get(two, '/doc')), 'the other instance cannot have heard of it yet');

      await server.restart();
      const ms = await waitUntil(async () => !isHit(await get(two, '/doc')), 'the replayed purge on the second instance', 5000);
      assert.ok(ms < 5000, `${ms} ms`);
    });

    it('Redis hung: the purge is answered as not shared, and reaches the other instance through the stream once Redis answers again (no gap)', async (t) => {
      const { one, two } = await startPair(t);
      await get(one, '/hung');
      await waitUntil(async () => isHit(await get(two, '/hung')), 'a hit on the second instance');

      server.pause();
      t.after(() => server.resume());
      const answer = await admin(one, '/purge', { prefix: '/hu' });
      assert.deepEqual(JSON.parse(answer.text), { purged: 1, shared: false });
      assert.ok(isHit(await get(two, '/hung')));

      server.resume();
      const ms = await waitUntil(async () => !isHit(await get(two, '/hung')), 'the purge on the second instance', 5000);
      assert.ok(ms < 5000, `${ms} ms`);
      assert.equal(await metric(two, 'cachet_bus_gaps_total'), 0, 'delivered by the stream, not by dropping the memory tier');
    });
  });
}
