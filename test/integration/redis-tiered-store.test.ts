import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../src/cache/store/memory.ts';
import { createTieredStore, type TieredStore } from '../../src/cache/store/tiered.ts';
import { runStoreConformance } from '../unit/cache/store-conformance.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { createEntryMeta, openRedisStore, uniqueKey } from '../helpers/redis-store.ts';

if (hasRedisOrSkip()) {
  const server = await startRedis();
  /** One instance: its own memory tier in front of the shared Redis. */
  const openInstance = (memoryMaxBytes = 1024 * 1024): TieredStore =>
    createTieredStore(createMemoryStore({ maxBytes: memoryMaxBytes, maxObjectBytes: memoryMaxBytes }), openRedisStore({ url: server.url }));

  runStoreConformance('tiered (memory in front of redis)', () => openInstance());

  describe('tiered store', () => {
    it('an L1 hit answers synchronously; an L2 hit (stored by another instance) answers with a promise and is promoted', async (t) => {
      const writer = openInstance();
      const reader = openInstance();
      t.after(() => Promise.all([writer.close(), reader.close()]));
      const body = [Buffer.from('shared '), Buffer.from('body')];
      const meta = createEntryMeta({ key: uniqueKey('/shared') }, body);
      await writer.put(meta, body);

      assert.ok(Array.isArray(writer.get(meta.key, Date.now())), 'the writer holds it in memory');
      const remote = reader.get(meta.key, Date.now());
      assert.ok(remote instanceof Promise, 'the reader goes to Redis');
      const entries = await remote;
      assert.equal(Buffer.concat(entries?.[0]?.body ?? []).toString(), 'shared body');
      assert.deepEqual(entries?.[0]?.meta, meta);
      const promoted = reader.get(meta.key, Date.now());
      assert.ok(Array.isArray(promoted), 'promoted to the reader memory tier');
    });

    it('concurrent L1 misses on one key share one read of Redis', async (t) => {
      const writer = openInstance();
      const reader = openInstance();
      t.after(() => Promise.all([writer.close(), reader.close()]));
      const body = [Buffer.from('x')];
      const meta = createEntryMeta({ key: uniqueKey('/single') }, body);
      await writer.put(meta, body);
      const first = reader.get(meta.key, Date.now());
      const second = reader.get(meta.key, Date.now());
      assert.equal(first, second);
      await first;
    });

    it('an entry too large for the memory tier is served from Redis and not promoted', async (t) => {
      const writer = openInstance();
      const reader = openInstance(1024);
      t.after(() => Promise.all([writer.close(), reader.close()]));
      const body = [Buffer.alloc(4096, 0x78)];
      const meta = createEntryMeta({ key: uniqueKey('/large') }, body);
      await writer.put(meta, body);
      const entries = await reader.get(meta.key, Date.now());
      assert.equal(
        entries?.[0]?.body.reduce((n, chunk) => n + chunk.byteLength, 0),
        4096,
      );
      assert.ok(reader.get(meta.key, Date.now()) instanceof Promise, 'still read from Redis');
    });

    it('a purge through one instance removes the entry from Redis, so another instance without it in memory misses', async (t) => {
      const a = openInstance();
      const b = openInstance();
      t.after(() => Promise.all([a.close(), b.close()]));
      const tag = `t-${Date.now()}`;
      const body = [Buffer.from('tagged')];
      const meta = createEntryMeta({ key: uniqueKey('/purged'), tags: [tag] }, body);
      await a.put(meta, body);
      assert.equal(await a.purge({ tag }, { soft: false, now: Date.now() }), 1);
      assert.equal(await a.get(meta.key, Date.now()), undefined, 'gone from the purging instance');
      assert.equal(await b.get(meta.key, Date.now()), undefined, 'gone from Redis for every instance');
    });
  });
}
