import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../src/cache/store/memory.ts';
import { createTieredStore, type TieredStore } from '../../src/cache/store/tiered.ts';
import { isRemoteBody, readRemoteBody } from '../../src/cache/store/remote-body.ts';
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
      assert.equal(Buffer.concat((entries?.[0]?.body as Buffer[] | undefined) ?? []).toString(), 'shared body');
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

    it('an entry too large for the memory tier answers with its remote body, is read as sent and not promoted', async (t) => {
      const writer = openInstance();
      const reader = openInstance(1024);
      t.after(() => Promise.all([writer.close(), reader.close()]));
      const body = [Buffer.alloc(4096, 0x78)];
      const meta = createEntryMeta({ key: uniqueKey('/large') }, body);
      await writer.put(meta, body);
      const entries = await reader.get(meta.key, Date.now());
      const remote = entries?.[0]?.body;
      assert.ok(remote !== undefined && isRemoteBody(remote), 'the body stays in Redis');
      assert.equal(remote.size, 4096);
      assert.deepEqual(Buffer.concat(await readRemoteBody(remote)), body[0]);
      assert.ok(reader.get(meta.key, Date.now()) instanceof Promise, 'still read from Redis');
    });

    it('an entry re-stored with new fields while its body stays in Redis is copied there chunk by chunk', async (t) => {
      const writer = openInstance();
      const freshener = openInstance(1024);
      const reader = openInstance(1024);
      t.after(() => Promise.all([writer.close(), freshener.close(), reader.close()]));
      const body = [Buffer.alloc(600 * 1024, 0x61), Buffer.alloc(1000, 0x62)];
      const meta = createEntryMeta({ key: uniqueKey('/refreshed') }, body);
      await writer.put(meta, body);
      const [stored] = (await freshener.get(meta.key, Date.now())) ?? [];
      assert.ok(stored !== undefined && isRemoteBody(stored.body));
      const refreshed = createEntryMeta({ key: meta.key, headers: { etag: '"v2"' } }, body);
      await freshener.put(refreshed, stored.body);
      const [copy] = (await reader.get(meta.key, Date.now())) ?? [];
      assert.deepEqual(copy?.meta.headers, { etag: '"v2"' });
      assert.ok(copy !== undefined && isRemoteBody(copy.body));
      assert.deepEqual(Buffer.concat(await readRemoteBody(copy.body)), Buffer.concat(body));
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
