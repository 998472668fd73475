import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { isCachetError } from '../../src/errors.ts';
import { readRemoteBody } from '../../src/cache/store/remote-body.ts';
import type { RemoteCacheStore } from '../../src/cache/store/types.ts';
import { runStoreConformance } from '../unit/cache/store-conformance.ts';
import { hasRedisOrSkip, startRedis } from '../helpers/redis.ts';
import { createEntryMeta, openRedisStore, readingBodies, uniqueKey } from '../helpers/redis-store.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

if (hasRedisOrSkip()) {
  const server = await startRedis();

  runStoreConformance('redis (standalone)', () => readingBodies(openRedisStore({ url: server.url })));

  describe('redis store', () => {
    const open = (t: { after(fn: () => unknown): void }, options: Parameters<typeof openRedisStore>[1] = {}): RemoteCacheStore => {
      const store = openRedisStore({ url: server.url }, options);
      t.after(() => store.close());
      return store;
    };

    it('a 50 MiB body round-trips in chunks of at most 256 KiB, written from and read into pieces', async (t) => {
      const store = open(t);
      const whole = randomBytes(50 * MiB);
      // Odd-sized pieces, so no chunk boundary lines up with the store's.
      const body: Buffer[] = [];
      for (let at = 0; at < whole.byteLength; at += 100_001) body.push(whole.subarray(at, at + 100_001));
      const meta = createEntryMeta({ key: uniqueKey('/big') }, body);
      await store.put(meta, body);

      const [entry] = (await store.get(meta.key, Date.now())) ?? [];
      assert.ok(entry);
      assert.equal(entry.body.size, whole.byteLength);
      const digest = createHash('sha256');
      let bytes = 0;
      let chunks = 0;
      for await (const chunk of entry.body.read()) {
        assert.ok(chunk.byteLength <= 256 * KiB, `chunk of ${chunk.byteLength} bytes`);
        digest.update(chunk);
        bytes += chunk.byteLength;
        chunks++;
      }
      assert.equal(bytes, whole.byteLength);
      assert.equal(chunks, 200);
      assert.equal(digest.digest('hex'), createHash('sha256').update(whole).digest('hex'));
    });

    it('a reader never sees a half-written body: the old version or the new one, whole', async (t) => {
      const store = open(t);
      const key = uniqueKey('/swap');
      const v1 = [Buffer.alloc(KiB, 0x61)];
      await store.put(createEntryMeta({ key }, v1), v1);
      const v2 = [Buffer.alloc(8 * MiB, 0x62)];
      let written = false;
      const writing = store.put(createEntryMeta({ key }, v2), v2).then(() => {
        written = true;
      });
      const seen = new Set<string>();
      do {
        const entries = await store.get(key, Date.now());
        assert.equal(entries?.length, 1);
        const body = Buffer.concat(await readRemoteBody(entries[0]!.body));
        const isV1 = body.equals(v1[0]!);
        assert.ok(isV1 || body.equals(v2[0]!), `a body of ${body.byteLength} bytes that is neither version`);
        seen.add(isV1 ? 'v1' : 'v2');
      } while (!written);
      await writing;
      assert.ok(seen.has('v1'), 'the old version is served while the new one is written');
    });

    it('a body replaced while it is read is still read whole (the old version lingers for readers)', async (t) => {
      const store = open(t);
      const key = uniqueKey('/linger');
      const v1 = [randomBytes(600 * KiB)];
      await store.put(createEntryMeta({ key }, v1), v1);
      const [old] = (await store.get(key, Date.now())) ?? [];
      const v2 = [randomBytes(10)];
      await store.put(createEntryMeta({ key }, v2), v2);
      assert.ok(Buffer.concat(await readRemoteBody(old!.body)).equals(v1[0]!));
    });

    it('a body gone mid-read ends the read with CACHET_ERR_STORE, never a short body', async (t) => {
      const store = open(t, { graceMs: 1 });
      const key = uniqueKey('/gone');
      const body = [randomBytes(600 * KiB)];
      await store.put(createEntryMeta({ key }, body), body);
      const [entry] = (await store.get(key, Date.now())) ?? [];
      await store.delete(key);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await assert.rejects(readRemoteBody(entry!.body), (err) => isCachetError(err) && err.code === 'CACHET_ERR_STORE');
    });

    describe('a purge racing a fill', () => {
      const at = Date.now();
      const started = (offsetMs: number) => ({ requestAt: at + offsetMs, responseAt: at + offsetMs + 5 });

      it('a URL purge refuses a fill whose request began before it; a later one is stored', async (t) => {
        const store = open(t);
        const key = uniqueKey('/race');
        const body = [Buffer.from('old')];
        await store.purge({ url: key }, { soft: false, now: at });
        await store.put(createEntryMeta({ key, ...started(-100) }, body), body);
        assert.equal(await store.get(key, Date.now()), undefined);
        await store.put(createEntryMeta({ key, ...started(+1) }, body), body);
        assert.equal((await store.get(key, Date.now()))?.length, 1);
      });

      it('a fill that began before a soft URL purge is stored stale as of the purge', async (t) => {
        const store = open(t);
        const key = uniqueKey('/race-soft');
        const body = [Buffer.from('old')];
        await store.purge({ url: key }, { soft: true, now: at });
        await store.put(createEntryMeta({ key, ...started(-100) }, body), body);
        assert.equal((await store.get(key, Date.now()))?.[0]?.meta.staleAt, at);
      });

      for (const [name, selectorFor] of [
        ['tag', (tag: string, _key: string) => ({ tag })],
        ['path prefix', (_tag: string, key: string) => ({ prefix: new URL(key).pathname.slice(0, 8) })],
        ['path', (_tag: string, key: string) => ({ url: new URL(key).pathname })],
      ] as const) {
        it(`a ${name} purge catches a fill committed after it walked the index, through its marker`, async (t) => {
          const store = open(t);
          const tag = `race-${randomBytes(4).toString('hex')}`;
          const key = uniqueKey(`/${randomBytes(4).toString('hex')}/race`);
          const body = [Buffer.from('old')];
          await store.purge(selectorFor(tag, key), { soft: false, now: at });
          await store.put(createEntryMeta({ key, tags: [tag], ...started(-100) }, body), body);
          assert.equal(await store.get(key, Date.now()), undefined);
          await store.put(createEntryMeta({ key, tags: [tag], ...started(+1) }, body), body);
          assert.equal((await store.get(key, Date.now()))?.length, 1);
        });
      }
    });

    it('every key the store wrote has an expiry', async (t) => {
      const redis = new Redis(server.url);
      t.after(() => redis.quit());
      const keys = await redis.keys('test:*');
      assert.ok(keys.length > 50, `only ${keys.length} keys`);
      const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
      const eternal = keys.filter((_, i) => ttls[i]! < 0);
      assert.deepEqual(eternal, []);
    });
  });
}
