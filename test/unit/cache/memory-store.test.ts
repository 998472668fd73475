import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../../src/cache/store/memory.ts';
import { estimateEntryBytes } from '../../../src/cache/store/entry-size.ts';
import { createStore } from '../../../src/cache/store/index.ts';
import { isCachetError } from '../../../src/errors.ts';
import type { EntryMeta } from '../../../src/cache/policy/entry.ts';
import { runStoreConformance } from './store-conformance.ts';

runStoreConformance('memory', () => createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 64 * 1024 }));

const baseAt = Date.UTC(2026, 0, 1);

function createMeta(key: string, fields: Partial<EntryMeta> = {}): EntryMeta {
  return Object.freeze({
    key,
    variantKey: '',
    varyFields: [],
    status: 200,
    headers: { 'content-type': 'text/plain' },
    requestAt: baseAt,
    responseAt: baseAt,
    initialAgeSec: 0,
    staleAt: baseAt + 60_000,
    deleteAt: baseAt + 600_000,
    tags: [],
    policy: { noCache: false, mustRevalidate: false, staleWhileRevalidateSec: 0, staleIfErrorSec: 0, immutable: false, heuristic: false },
    size: 0,
    ...fields,
  });
}

function createBody(bytes: number): Buffer[] {
  return [Buffer.alloc(bytes, 0x61)];
}

/** Estimated bytes of the entry `createMeta(key)` + `createBody(bodyBytes)` makes. */
function measureEntry(key: string, bodyBytes: number): number {
  return estimateEntryBytes(createMeta(key), bodyBytes, 1);
}

describe('memory store', () => {
  it('answers a hit synchronously with the same array until the key is written again', () => {
    const store = createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 });
    const body = createBody(10);
    store.put(createMeta('http://a.test/x'), body);
    const first = store.get('http://a.test/x', baseAt);
    assert.ok(Array.isArray(first));
    assert.equal(first[0]?.body, body, 'body array stored as given');
    assert.equal(store.get('http://a.test/x', baseAt), first);
    store.put(createMeta('http://a.test/other'), createBody(10));
    assert.equal(store.get('http://a.test/x', baseAt), first, 'a write to another key keeps the array');
    store.put(createMeta('http://a.test/x', { variantKey: 'br' }), createBody(10));
    assert.notEqual(store.get('http://a.test/x', baseAt), first);
  });

  it('soft purge shares the body and leaves arrays held by readers untouched', () => {
    const store = createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 });
    const body = createBody(10);
    const meta = createMeta('http://a.test/x');
    store.put(meta, body);
    const before = store.get(meta.key, baseAt);
    assert.equal(store.purge({ url: meta.key }, { soft: true, now: baseAt + 5 }), 1);
    const after = store.get(meta.key, baseAt + 5);
    assert.equal(before?.[0]?.meta, meta);
    assert.equal(after?.[0]?.meta.staleAt, baseAt + 5);
    assert.ok(Object.isFrozen(after?.[0]?.meta));
    assert.equal(after?.[0]?.body, body);
  });

  it('keeps its estimated bytes within maxBytes and evicts the least recently used key first', () => {
    const entryBytes = measureEntry('http://a.test/0', 1000);
    const store = createMemoryStore({ maxBytes: entryBytes * 5 + 10, maxObjectBytes: 4096 });
    for (let i = 0; i < 5; i++) store.put(createMeta(`http://a.test/${i}`), createBody(1000));
    assert.equal(store.stats().bytes, entryBytes * 5);
    assert.ok(store.get('http://a.test/0', baseAt), 'touch the oldest key');
    for (let i = 5; i < 8; i++) store.put(createMeta(`http://a.test/${i}`), createBody(1000));
    const stats = store.stats();
    assert.ok(stats.bytes <= entryBytes * 5 + 10, `bytes ${stats.bytes}`);
    assert.equal(stats.entries, 5);
    assert.equal(stats.evictions, 3);
    assert.ok(store.get('http://a.test/0', baseAt), 'recently used key kept');
    for (const gone of [1, 2, 3]) assert.equal(store.get(`http://a.test/${gone}`, baseAt), undefined);
  });

  it('counts every variant of an evicted key and drops its tags from the index', () => {
    const entryBytes = estimateEntryBytes(createMeta('http://a.test/k', { variantKey: 'v0', tags: ['t'] }), 500, 1);
    const store = createMemoryStore({ maxBytes: entryBytes * 4, maxObjectBytes: 4096 });
    for (let i = 0; i < 3; i++) store.put(createMeta('http://a.test/k', { variantKey: `v${i}`, tags: ['t'] }), createBody(500));
    assert.equal(store.stats().tags, 1);
    store.put(createMeta('http://a.test/big'), createBody(entryBytes * 2));
    const stats = store.stats();
    assert.equal(stats.evictions, 3);
    assert.equal(stats.entries, 1);
    assert.equal(stats.tags, 0);
    assert.equal(store.purge({ tag: 't' }, { soft: false, now: baseAt }), 0);
  });

  it('drops the tags of replaced, deleted and purged entries from the index', () => {
    const store = createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 });
    store.put(createMeta('http://a.test/r', { tags: ['replaced'] }), createBody(10));
    store.put(createMeta('http://a.test/r'), createBody(10));
    store.put(createMeta('http://a.test/d', { tags: ['deleted'] }), createBody(10));
    store.delete('http://a.test/d');
    store.put(createMeta('http://a.test/p', { tags: ['purged', 'shared'] }), createBody(10));
    store.put(createMeta('http://a.test/s', { tags: ['shared'] }), createBody(10));
    assert.equal(store.stats().tags, 2);
    store.purge({ tag: 'purged' }, { soft: false, now: baseAt });
    assert.equal(store.stats().tags, 1);
  });

  it('refuses a body over maxObjectBytes silently and keeps the stored variant', () => {
    const store = createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 1000 });
    const atCap = createBody(1000);
    store.put(createMeta('http://a.test/cap'), atCap);
    const before = store.stats();
    store.put(createMeta('http://a.test/cap', { status: 203 }), createBody(1001));
    store.put(createMeta('http://a.test/over'), [Buffer.alloc(600), Buffer.alloc(401)]);
    assert.deepEqual(store.stats(), before);
    assert.equal(store.get('http://a.test/cap', baseAt)?.[0]?.body, atCap);
    assert.equal(store.get('http://a.test/over', baseAt), undefined);
  });

  it('refuses an entry larger than maxBytes even under maxObjectBytes', () => {
    const store = createMemoryStore({ maxBytes: 2000, maxObjectBytes: 4096 });
    store.put(createMeta('http://a.test/small'), createBody(10));
    const before = store.stats();
    store.put(createMeta('http://a.test/large'), createBody(2000));
    assert.deepEqual(store.stats(), before);
    assert.ok(store.get('http://a.test/small', baseAt));
  });

  it('drops the oldest variants of a key that outgrows maxBytes, counting them as evictions', () => {
    const entryBytes = estimateEntryBytes(createMeta('http://a.test/k', { variantKey: 'v0' }), 500, 1);
    const store = createMemoryStore({ maxBytes: entryBytes * 3 + 10, maxObjectBytes: 4096 });
    for (let i = 0; i < 5; i++) store.put(createMeta('http://a.test/k', { variantKey: `v${i}` }), createBody(500));
    assert.deepEqual(
      store.get('http://a.test/k', baseAt)?.map((e) => e.meta.variantKey),
      ['v4', 'v3', 'v2'],
    );
    assert.deepEqual(store.stats(), { entries: 3, bytes: entryBytes * 3, evictions: 2, tags: 0 });
  });

  it('drops expired entries from stats and the tag index when read', () => {
    const store = createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 });
    const meta = createMeta('http://a.test/e', { tags: ['t'], deleteAt: baseAt + 1000 });
    store.put(meta, createBody(10));
    store.put(createMeta('http://a.test/e', { variantKey: 'br', tags: ['t'] }), createBody(10));
    assert.equal(store.get(meta.key, baseAt + 1000)?.length, 1);
    assert.equal(store.stats().entries, 1);
    assert.equal(store.stats().tags, 1);
    assert.equal(store.get(meta.key, baseAt + 600_000), undefined);
    assert.deepEqual(store.stats(), { entries: 0, bytes: 0, evictions: 0, tags: 0 });
  });

  it('neither counts nor keeps expired entries in a purge', () => {
    const store = createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 });
    store.put(createMeta('http://a.test/e', { tags: ['t'], deleteAt: baseAt + 1000 }), createBody(10));
    store.put(createMeta('http://b.test/e', { deleteAt: baseAt + 1000 }), createBody(10));
    store.put(createMeta('http://c.test/e'), createBody(10));
    assert.equal(store.purge({ tag: 't' }, { soft: true, now: baseAt + 2000 }), 0);
    assert.equal(store.purge({ url: '/e' }, { soft: true, now: baseAt + 2000 }), 1);
    assert.deepEqual({ ...store.stats(), bytes: 0 }, { entries: 1, bytes: 0, evictions: 0, tags: 0 });
  });

  it('close releases every entry and tag', () => {
    const store = createMemoryStore({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 });
    store.put(createMeta('http://a.test/x', { tags: ['t'] }), createBody(10));
    store.close();
    assert.deepEqual(store.stats(), { entries: 0, bytes: 0, evictions: 0, tags: 0 });
    assert.equal(store.get('http://a.test/x', baseAt), undefined);
  });

  it('rejects sizes that are not positive integers with CACHET_ERR_STORE', () => {
    for (const options of [
      { maxBytes: 0, maxObjectBytes: 1 },
      { maxBytes: 1, maxObjectBytes: -1 },
      { maxBytes: 1.5, maxObjectBytes: 1 },
    ]) {
      assert.throws(
        () => createMemoryStore(options),
        (err) => isCachetError(err) && err.code === 'CACHET_ERR_STORE',
        JSON.stringify(options),
      );
    }
  });
});

describe('createStore', () => {
  it('builds a memory store from its config', () => {
    const store = createStore({ type: 'memory', maxBytes: 1024 * 1024, maxObjectBytes: 1024 });
    const meta = createMeta('http://a.test/x');
    store.put(meta, createBody(1));
    assert.ok(Array.isArray(store.get(meta.key, baseAt)));
  });

  it('builds a redis store whose memory tier answers synchronously, even while Redis cannot be reached', async () => {
    const store = createStore({
      type: 'redis',
      url: 'redis://127.0.0.1:1',
      memory: { maxBytes: 1024 * 1024 },
      keyPrefix: 'cachet:',
      commandTimeoutMs: 50,
      streamMaxLength: 10_000,
      coalesceWaitMs: 0,
      requiredForReadiness: false,
      maxObjectBytes: 1024,
    });
    try {
      const meta = createMeta('http://a.test/tiered');
      await store.put(meta, createBody(1));
      assert.ok(Array.isArray(store.get(meta.key, baseAt)));
    } finally {
      await store.close();
    }
  });
});
