import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CacheStore, StoredEntry } from '../../../src/cache/store/types.ts';
import type { EntryMeta } from '../../../src/cache/policy/entry.ts';

export type CreateStore = () => Promise<CacheStore> | CacheStore;

/**
 * Registers the `CacheStore` contract tests for one store implementation. Every result is awaited,
 * so sync and async stores run the same cases. Keys, paths and tags are unique per test and times
 * are near the real clock, so stores sharing a backend (Redis) or a real clock also pass.
 */
export function runStoreConformance(name: string, createStore: CreateStore): void {
  describe(`${name} store conformance`, () => {
    it('put then get returns the stored meta and body', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const body = createBody('hello, cached world');
      const meta = createMeta(
        {
          key: names.key('a', '/page?x=1'),
          headers: { 'content-type': 'text/plain', link: ['</a.css>; rel=preload', '</b.js>; rel=preload'] },
        },
        body,
      );
      await store.put(meta, body);
      const entries = await store.get(meta.key, names.baseAt);
      assert.equal(entries?.length, 1);
      assertEntry(entries?.[0], meta, body);
    });

    it('get of an unknown key answers undefined', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const body = createBody('x');
      await store.put(createMeta({ key: names.key('a', '/page/more') }, body), body);
      assert.equal(await store.get(names.key('a', '/page'), names.baseAt), undefined);
      assert.equal(await store.get(names.key('b', '/page/more'), names.baseAt), undefined);
    });

    it('variants of one key coexist, newest first', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const key = names.key('a', '/v');
      const gzip = storeVariant(store, key, 'gzip', 'gzipped');
      await gzip.done;
      const br = storeVariant(store, key, 'br', 'brotli');
      await br.done;
      const entries = await store.get(key, names.baseAt);
      assert.deepEqual(
        entries?.map((e) => e.meta.variantKey),
        ['br', 'gzip'],
      );
      assertEntry(entries?.[0], br.meta, br.body);
      assertEntry(entries?.[1], gzip.meta, gzip.body);
    });

    it('put replaces the variant with the same key and variantKey and keeps the others', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const key = names.key('a', '/v');
      await storeVariant(store, key, 'gzip', 'first').done;
      const br = storeVariant(store, key, 'br', 'brotli');
      await br.done;
      const again = storeVariant(store, key, 'gzip', 'second, longer body');
      await again.done;
      const entries = await store.get(key, names.baseAt);
      assert.deepEqual(
        entries?.map((e) => e.meta.variantKey),
        ['gzip', 'br'],
      );
      assertEntry(entries?.[0], again.meta, again.body);
      assertEntry(entries?.[1], br.meta, br.body);
    });

    it('delete removes every variant of a key and answers the count', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const key = names.key('a', '/d');
      const other = names.key('a', '/d2');
      await storeVariant(store, key, 'gzip', 'a').done;
      await storeVariant(store, key, 'br', 'b').done;
      await storeVariant(store, other, '', 'c').done;
      assert.equal(await store.delete(key), 2);
      assert.equal(await store.get(key, names.baseAt), undefined);
      assert.equal((await store.get(other, names.baseAt))?.length, 1);
      assert.equal(await store.delete(key), 0);
    });

    it('entries past deleteAt are not returned', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const key = names.key('a', '/e');
      const body = createBody('soon gone');
      const short = createMeta({ key, variantKey: 'short', deleteAt: names.baseAt + 60_000 }, body);
      const long = createMeta({ key, variantKey: 'long', deleteAt: names.baseAt + 120_000 }, body);
      await store.put(short, body);
      await store.put(long, body);
      assert.equal((await store.get(key, short.deleteAt - 1))?.length, 2);
      assert.deepEqual(
        (await store.get(key, short.deleteAt + 1))?.map((e) => e.meta.variantKey),
        ['long'],
      );
      assert.equal(await store.get(key, long.deleteAt + 1), undefined);
    });

    it('purge by full url removes only that key, every variant', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const target = names.key('a', '/p?q=1');
      await storeVariant(store, target, 'gzip', 'a').done;
      await storeVariant(store, target, 'br', 'b').done;
      const kept = [names.key('b', '/p?q=1'), names.key('a', '/p?q=1', 'https'), names.key('a', '/p?q=2'), names.key('a', '/p')];
      for (const key of kept) await storeVariant(store, key, '', 'kept').done;
      assert.equal(await store.purge({ url: target }, { soft: false, now: names.baseAt }), 2);
      assert.equal(await store.get(target, names.baseAt), undefined);
      for (const key of kept) assert.equal((await store.get(key, names.baseAt))?.length, 1, key);
    });

    it('purge by path removes that path and query on every host', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const matching = [names.key('a', '/p?q=1'), names.key('b', '/p?q=1'), names.key('c:8443', '/p?q=1', 'https')];
      const kept = [names.key('a', '/p?q=2'), names.key('a', '/p'), names.key('b', '/p?q=1&r=2'), names.key('b', '/p/q=1')];
      for (const key of matching) await storeVariant(store, key, '', 'gone').done;
      await storeVariant(store, matching[0]!, 'br', 'gone too').done;
      for (const key of kept) await storeVariant(store, key, '', 'kept').done;
      assert.equal(await store.purge({ url: names.path('/p?q=1') }, { soft: false, now: names.baseAt }), 4);
      for (const key of matching) assert.equal(await store.get(key, names.baseAt), undefined, key);
      for (const key of kept) assert.equal((await store.get(key, names.baseAt))?.length, 1, key);
    });

    it('purge by key prefix matches keys starting with it', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const prefix = names.key('a', '/docs');
      const matching = [
        names.key('a', '/docs'),
        names.key('a', '/docs/guide'),
        names.key('a', '/docs?page=2'),
        names.key('a', '/docsearch'),
      ];
      const kept = [names.key('b', '/docs'), names.key('a', '/docs', 'https'), names.key('a', '/api/docs')];
      for (const key of matching) await storeVariant(store, key, '', 'gone').done;
      for (const key of kept) await storeVariant(store, key, '', 'kept').done;
      assert.equal(await store.purge({ prefix }, { soft: false, now: names.baseAt }), 4);
      for (const key of matching) assert.equal(await store.get(key, names.baseAt), undefined, key);
      for (const key of kept) assert.equal((await store.get(key, names.baseAt))?.length, 1, key);
    });

    it('purge by path prefix matches that path prefix on every host', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const matching = [names.key('a', '/docs/guide'), names.key('b', '/docs/api?v=2'), names.key('c:8443', '/docs/', 'https')];
      const kept = [names.key('a', '/doc'), names.key('b', '/api/docs/guide')];
      for (const key of matching) await storeVariant(store, key, '', 'gone').done;
      for (const key of kept) await storeVariant(store, key, '', 'kept').done;
      assert.equal(await store.purge({ prefix: names.path('/docs/') }, { soft: false, now: names.baseAt }), 3);
      for (const key of matching) assert.equal(await store.get(key, names.baseAt), undefined, key);
      for (const key of kept) assert.equal((await store.get(key, names.baseAt))?.length, 1, key);
    });

    it('purge by tag removes every entry carrying the tag, and only those', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const [x, y, z] = [names.tag('x'), names.tag('y'), names.tag('z')];
      const a = names.key('a', '/a');
      const b = names.key('b', '/b');
      const c = names.key('a', '/c');
      const d = names.key('a', '/d');
      await storeVariant(store, a, '', 'a', [x, y]).done;
      await storeVariant(store, b, '', 'b', [y]).done;
      await storeVariant(store, c, '', 'c', [z]).done;
      await storeVariant(store, d, 'gzip', 'd1', [y]).done;
      await storeVariant(store, d, 'br', 'd2', [y, z]).done;
      assert.equal(await store.purge({ tag: y }, { soft: false, now: names.baseAt }), 4);
      for (const key of [a, b, d]) assert.equal(await store.get(key, names.baseAt), undefined, key);
      assert.equal((await store.get(c, names.baseAt))?.length, 1);
      assert.equal(await store.purge({ tag: x }, { soft: false, now: names.baseAt }), 0);
      assert.equal(await store.purge({ tag: z }, { soft: false, now: names.baseAt }), 1);
      assert.equal(await store.get(c, names.baseAt), undefined);
    });

    it('purge by tag ignores entries deleted or replaced by a variant without the tag', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const tag = names.tag('t');
      const replaced = names.key('a', '/replaced');
      const deleted = names.key('a', '/deleted');
      const mixed = names.key('a', '/mixed');
      await storeVariant(store, replaced, '', 'tagged', [tag]).done;
      await storeVariant(store, replaced, '', 'untagged', []).done;
      await storeVariant(store, deleted, '', 'tagged', [tag]).done;
      await store.delete(deleted);
      await storeVariant(store, deleted, '', 'untagged again', []).done;
      await storeVariant(store, mixed, 'gzip', 'tagged', [tag]).done;
      await storeVariant(store, mixed, 'br', 'tagged', [tag]).done;
      await storeVariant(store, mixed, 'gzip', 'retagged', [names.tag('u')]).done;
      assert.equal(await store.purge({ tag }, { soft: false, now: names.baseAt }), 1);
      assert.equal((await store.get(replaced, names.baseAt))?.length, 1);
      assert.equal((await store.get(deleted, names.baseAt))?.length, 1);
      assert.deepEqual(
        (await store.get(mixed, names.baseAt))?.map((e) => e.meta.variantKey),
        ['gzip'],
      );
      assert.equal(await store.purge({ tag }, { soft: false, now: names.baseAt }), 0);
    });

    it('soft purge keeps the entry and its body, stale from now on', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const key = names.key('a', '/soft');
      const fresh = storeVariant(store, key, 'gzip', 'fresh body', [names.tag('t')]);
      await fresh.done;
      const now = names.baseAt + 1_000;
      assert.equal(await store.purge({ url: key }, { soft: true, now }), 1);
      const entries = await store.get(key, now);
      assert.equal(entries?.length, 1);
      assertEntry(entries?.[0], { ...fresh.meta, staleAt: now }, fresh.body);
    });

    it('soft purge never makes an entry fresher, and purges by path, prefix and tag', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const tag = names.tag('t');
      const body = createBody('already stale');
      const stale = createMeta({ key: names.key('a', '/s'), staleAt: names.baseAt + 500, tags: [tag] }, body);
      await store.put(stale, body);
      const now = names.baseAt + 1_000;
      assert.equal(await store.purge({ tag }, { soft: true, now }), 1);
      assert.equal(await store.purge({ url: names.path('/s') }, { soft: true, now }), 1);
      assert.equal(await store.purge({ prefix: names.path('/') }, { soft: true, now: now + 1 }), 1);
      assertEntry((await store.get(stale.key, now))?.[0], stale, body);
    });

    it('a soft-purged entry is still found by a later hard purge by tag', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const tag = names.tag('t');
      const key = names.key('a', '/soft-then-hard');
      await storeVariant(store, key, '', 'body', [tag]).done;
      assert.equal(await store.purge({ tag }, { soft: true, now: names.baseAt }), 1);
      assert.equal(await store.purge({ tag }, { soft: false, now: names.baseAt }), 1);
      assert.equal(await store.get(key, names.baseAt), undefined);
    });

    it('purge that matches nothing answers 0', async (t) => {
      const { store, names } = await openStore(t, createStore);
      await storeVariant(store, names.key('a', '/here'), '', 'body', [names.tag('t')]).done;
      const options = { soft: false, now: names.baseAt };
      assert.equal(await store.purge({ url: names.key('a', '/elsewhere') }, options), 0);
      assert.equal(await store.purge({ url: names.path('/elsewhere') }, options), 0);
      assert.equal(await store.purge({ prefix: names.key('b', '/') }, options), 0);
      assert.equal(await store.purge({ prefix: names.path('/else') }, options), 0);
      assert.equal(await store.purge({ tag: names.tag('other') }, options), 0);
      assert.equal((await store.get(names.key('a', '/here'), names.baseAt))?.length, 1);
    });

    it('stats count stored variants and their bytes', async (t) => {
      const { store, names } = await openStore(t, createStore);
      const before = store.stats();
      const key = names.key('a', '/stats');
      await storeVariant(store, key, 'gzip', 'one').done;
      await storeVariant(store, key, 'br', 'two').done;
      await storeVariant(store, names.key('b', '/stats'), '', 'three').done;
      const filled = store.stats();
      assert.equal(filled.entries - before.entries, 3);
      assert.ok(filled.bytes - before.bytes >= 'onetwothree'.length, `bytes grew by ${filled.bytes - before.bytes}`);
      await storeVariant(store, key, 'gzip', 'one, replaced').done;
      assert.equal(store.stats().entries - before.entries, 3);
      await store.delete(key);
      await store.delete(names.key('b', '/stats'));
      const emptied = store.stats();
      assert.equal(emptied.entries, before.entries);
      assert.equal(emptied.bytes, before.bytes);
      assert.equal(emptied.evictions, before.evictions);
    });

    it('close resolves', async () => {
      const store = await createStore();
      const names = createNames();
      await storeVariant(store, names.key('a', '/close'), '', 'body').done;
      assert.equal(await store.close(), undefined);
    });
  });
}

interface TestNames {
  /** Near the real clock, so stores that also keep their own expiry agree with the `now` passed in. */
  readonly baseAt: number;
  key(host: string, pathAndQuery: string, scheme?: string): string;
  path(pathAndQuery: string): string;
  tag(name: string): string;
}

/** Hosts, paths and tags unique to one test. */
function createNames(): TestNames {
  const id = randomBytes(6).toString('hex');
  const path = (pathAndQuery: string) => `/${id}${pathAndQuery}`;
  return {
    baseAt: Date.now(),
    key(host, pathAndQuery, scheme = 'http') {
      const [name, port] = host.split(':');
      return `${scheme}://${name}-${id}.test${port === undefined ? '' : `:${port}`}${path(pathAndQuery)}`;
    },
    path,
    tag: (name) => `${name}-${id}`,
  };
}

async function openStore(t: TestContext, createStore: CreateStore): Promise<{ store: CacheStore; names: TestNames }> {
  const store = await createStore();
  t.after(() => store.close());
  return { store, names: createNames() };
}

/** Two chunks, so stores that join or split bodies are exercised. */
function createBody(text: string): Buffer[] {
  const half = Math.ceil(text.length / 2);
  return [Buffer.from(text.slice(0, half)), Buffer.from(text.slice(half))];
}

function createMeta(fields: Partial<EntryMeta> & { readonly key: string }, body: readonly Buffer[] = []): EntryMeta {
  const baseAt = fields.responseAt ?? Date.now();
  return Object.freeze({
    variantKey: '',
    varyFields: fields.variantKey ? ['accept-encoding'] : [],
    status: 200,
    headers: { 'content-type': 'text/plain', etag: '"v1"' },
    requestAt: baseAt - 20,
    responseAt: baseAt,
    initialAgeSec: 0,
    staleAt: baseAt + 60_000,
    deleteAt: baseAt + 3_600_000,
    tags: [],
    policy: { noCache: false, mustRevalidate: false, staleWhileRevalidateSec: 30, staleIfErrorSec: 0, immutable: false, heuristic: false },
    size: body.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    ...fields,
  });
}

function storeVariant(
  store: CacheStore,
  key: string,
  variantKey: string,
  text: string,
  tags: readonly string[] = [],
): { meta: EntryMeta; body: Buffer[]; done: Promise<void> } {
  const body = createBody(text);
  const meta = createMeta({ key, variantKey, tags }, body);
  return { meta, body, done: Promise.resolve(store.put(meta, body)) };
}

function assertEntry(actual: StoredEntry | undefined, meta: EntryMeta, body: readonly Buffer[]): void {
  assert.ok(actual, 'entry expected');
  assert.deepEqual(actual.meta, meta);
  assert.deepEqual(Buffer.concat(actual.body as readonly Buffer[]), Buffer.concat(body));
}
