import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readRemoteBody } from '../../src/cache/store/remote-body.ts';
import { runStoreConformance } from '../unit/cache/store-conformance.ts';
import { hasRedisOrSkip, startRedisCluster } from '../helpers/redis.ts';
import { createEntryMeta, openRedisStore, readingBodies, uniqueKey } from '../helpers/redis-store.ts';

if (hasRedisOrSkip()) {
  const cluster = await startRedisCluster();
  runStoreConformance('redis (3-node cluster)', () => readingBodies(openRedisStore({ cluster: cluster.urls })));

  describe('redis store on a cluster', () => {
    it('the keys of one entry sit on one node; many URLs spread over every node; purges cross them without CROSSSLOT', async (t) => {
      const store = openRedisStore({ cluster: cluster.urls }, { keyPrefix: 'spread:' });
      t.after(() => store.close());
      const tag = `spread-${randomBytes(4).toString('hex')}`;
      const keys: string[] = [];
      for (let i = 0; i < 24; i++) {
        const body = [randomBytes(300 * 1024)];
        const meta = createEntryMeta({ key: uniqueKey(`/spread/${i}`), tags: [tag] }, body);
        await store.put(meta, body);
        keys.push(meta.key);
      }
      const byNode = cluster.ports.map((port) => cluster.cli(port, '--scan', '--pattern', 'spread:*').split('\n').filter(Boolean));
      for (const [i, nodeKeys] of byNode.entries()) {
        assert.ok(
          nodeKeys.some((key) => key.includes(':v:')),
          `node ${i} holds no entry`,
        );
        // Every entry slot on this node has its index, its variants and its chunked body together.
        const slots = new Set(nodeKeys.filter((key) => key.endsWith(':i')).map((key) => key.slice(0, -2)));
        for (const slot of slots) {
          assert.ok(
            nodeKeys.some((key) => key.startsWith(`${slot}:v:`)),
            `${slot} variants`,
          );
          assert.ok(
            nodeKeys.some((key) => key.startsWith(`${slot}:b:`)),
            `${slot} body`,
          );
        }
      }
      const [entry] = (await store.get(keys[0]!, Date.now())) ?? [];
      assert.equal(Buffer.concat(await readRemoteBody(entry!.body)).byteLength, 300 * 1024);
      assert.equal(await store.purge({ prefix: '/spread/' }, { soft: true, now: Date.now() }), 24);
      assert.equal(await store.purge({ tag }, { soft: false, now: Date.now() }), 24);
      for (const key of keys) assert.equal(await store.get(key, Date.now()), undefined);
    });
  });
}
