import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { errors } from 'undici';
import { storeWhenInSync } from '../../../src/cache/store-in-sync.ts';
import { createMemoryStore } from '../../../src/cache/store/memory.ts';
import type { CacheStore } from '../../../src/cache/store/types.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { ConnectionTerm } from '../../../src/upstream/connection-guard.ts';
import { createEntryMeta, T0 } from './policy/fixtures.ts';

const logger = createLogger('silent');
const meta = createEntryMeta({ key: 'http://x/a', size: 5 });
const body = [Buffer.from('hello')];

function createConnection(): { socket: EventEmitter & { errored: Error | null }; term: ConnectionTerm } {
  const socket = Object.assign(new EventEmitter(), { errored: null as Error | null });
  return { socket, term: new ConnectionTerm(socket, () => undefined) };
}

const isStored = async (store: CacheStore): Promise<boolean> => (await store.get(meta.key, T0)) !== undefined;

test('storeWhenInSync: stored one event-loop turn after the response, when its connection is in sync', async () => {
  const store = createMemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
  storeWhenInSync({ store, logger }, meta, body, createConnection().term);
  assert.equal(await isStored(store), false);
  await nextTurn();
  await nextTurn();
  assert.equal(await isStored(store), true);
});

test('storeWhenInSync: nothing stored from a connection that showed a desync by the end of the response or within the turn', async (t) => {
  for (const when of ['before', 'during the turn'] as const) {
    await t.test(when, async () => {
      const store = createMemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
      const { socket, term } = createConnection();
      if (when === 'before') socket.errored = new errors.SocketError('bad response');
      storeWhenInSync({ store, logger }, meta, body, term);
      if (when === 'during the turn') socket.errored = new errors.SocketError('bad response');
      await nextTurn();
      await nextTurn();
      assert.equal(await isStored(store), false);
    });
  }
});

test('storeWhenInSync: a stored response goes when its connection later closes desynced, not when it closes cleanly', async (t) => {
  for (const [closeWith, kept] of [
    [new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol'), false],
    [new errors.InformationalError('reset'), true],
  ] as const) {
    await t.test(closeWith.message, async () => {
      const store = createMemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
      const { socket, term } = createConnection();
      storeWhenInSync({ store, logger }, meta, body, term);
      await nextTurn();
      await nextTurn();
      socket.errored = closeWith;
      socket.emit('close');
      await nextTurn();
      assert.equal(await isStored(store), kept);
    });
  }
});

test('storeWhenInSync: a desync found while an asynchronous store writes still removes the entry', async () => {
  const memory = createMemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
  const slow: CacheStore = Object.assign(Object.create(memory) as CacheStore, {
    put: async (...args: Parameters<typeof memory.put>) => {
      await sleep(20);
      await memory.put(...args);
    },
    delete: (key: string) => memory.delete(key),
  });
  const { socket, term } = createConnection();
  storeWhenInSync({ store: slow, logger }, meta, body, term);
  await nextTurn();
  socket.errored = new errors.SocketError('bad response');
  socket.emit('close');
  await sleep(40);
  assert.equal(await isStored(memory), false);
});

test('storeWhenInSync: without a known connection the response is stored', async () => {
  const store = createMemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
  storeWhenInSync({ store, logger }, meta, body, undefined);
  await nextTurn();
  await nextTurn();
  assert.equal(await isStored(store), true);
});

test('storeWhenInSync: the claim runs once, just before the write (the fill answers until then); a lost claim stores nothing', async (t) => {
  for (const [connection, live, stored] of [
    ['in sync', true, true],
    ['in sync', false, false],
    ['desynced', true, false],
  ] as const) {
    await t.test(`${connection}, claim ${live}`, async () => {
      const store = createMemoryStore({ maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
      const { socket, term } = createConnection();
      if (connection === 'desynced') socket.errored = new errors.SocketError('bad response');
      const claims: boolean[] = [];
      const settled = storeWhenInSync({ store, logger }, meta, body, term, () => {
        claims.push(live);
        return live;
      });
      // Nothing is claimed in the turn the response ended unless the connection already fell out of step.
      assert.deepEqual(claims, connection === 'desynced' ? [true] : []);
      await settled;
      assert.equal(claims.length, 1);
      assert.equal(await isStored(store), stored);
    });
  }
});
