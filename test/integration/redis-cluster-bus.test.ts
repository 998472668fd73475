import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startOrigin } from '../helpers/origin.ts';
import { hasRedisOrSkip, startRedisCluster } from '../helpers/redis.ts';
import { admin, get, isHit, startSharedGateway, waitUntil } from '../helpers/shared-gateways.ts';

// The invalidation stream on a 3-node Redis Cluster: the stream is one key (one slot), read by every instance.

if (hasRedisOrSkip()) {
  const cluster = await startRedisCluster();

  describe('purges between instances on a Redis Cluster', () => {
    it('a purge (url, prefix, tag) sent to one instance changes the other instance’s answer', async (t) => {
      const origin = await startOrigin(t, (req, res, _body, count) => {
        res.setHeader('cache-control', 'max-age=600');
        res.setHeader('surrogate-key', 'docs');
        res.end(`${req.url} #${count}`);
      });
      const prefix = `cbus-${randomBytes(4).toString('hex')}:`;
      const one = await startSharedGateway(t, [origin.url], { cluster: cluster.urls }, prefix);
      const two = await startSharedGateway(t, [origin.url], { cluster: cluster.urls }, prefix);
      for (const [i, selector] of [{ url: '/d/0' }, { prefix: '/d/1' }, { tag: 'docs' }].entries()) {
        const path = `/d/${i}`;
        await get(one, path);
        await waitUntil(async () => isHit(await get(two, path)), `${path} a hit on the second instance`);
        const answer = await admin(one, '/purge', selector);
        assert.equal(JSON.parse(answer.text).shared, true);
        const ms = await waitUntil(async () => !isHit(await get(two, path)), `${JSON.stringify(selector)} on the second instance`, 2000);
        assert.ok(ms < 500, `${ms} ms`);
      }
    });
  });
}
