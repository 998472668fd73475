import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createIpcHub, createIpcMemberBus, type IpcMemberBus } from '../../../src/cluster/ipc-bus.ts';
import { createIpcPeer, type IpcChannel, type IpcPeer } from '../../../src/cluster/ipc-peer.ts';
import type { SupervisorCall, WorkerCall } from '../../../src/cluster/protocol.ts';
import type { BusMessage } from '../../../src/bus/types.ts';
import { computeRestartDelayMs } from '../../../src/cluster/supervisor.ts';
import { mergeWorkerHealth } from '../../../src/admin/health.ts';

// The bus between a supervisor and its workers over a pair of in-memory channels that behave like Node's IPC:
// asynchronous, structured-clone copies, nothing delivered once one end is gone.

class FakeChannel extends EventEmitter implements IpcChannel {
  other: FakeChannel | undefined;
  connected = true;
  send(message: unknown, callback?: (error: Error | null) => void): boolean {
    if (!this.connected) throw new Error('channel closed');
    const copy = structuredClone(message);
    setImmediate(() => {
      if (this.other?.connected === true) this.other.emit('message', copy);
      callback?.(null);
    });
    return true;
  }
}

function channelPair(): [FakeChannel, FakeChannel] {
  const a = new FakeChannel();
  const b = new FakeChannel();
  a.other = b;
  b.other = a;
  return [a, b];
}

interface Worker {
  readonly id: number;
  readonly toWorker: IpcPeer;
  readonly bus: IpcMemberBus;
  readonly applied: BusMessage[];
  readonly channels: [FakeChannel, FakeChannel];
}

/** A hub and `count` workers joined to it; each worker answers a purge with `purgedEach`. */
function startCluster(count: number, purgedEach = 1) {
  const hub = createIpcHub();
  const workers: Worker[] = [];
  for (let id = 1; id <= count; id++) {
    const channels = channelPair();
    const toWorker = createIpcPeer(channels[0]);
    const toSupervisor = createIpcPeer(channels[1]);
    const bus = createIpcMemberBus(toSupervisor);
    const applied: BusMessage[] = [];
    bus.subscribe((message) => {
      applied.push(message);
      return message.kind === 'purge' ? purgedEach : 0;
    });
    bus.open();
    toSupervisor.onCall((body) => bus.deliver((body as Extract<SupervisorCall, { type: 'deliver' }>).message));
    toWorker.onCall((body) => hub.relay((body as WorkerCall).message, id));
    hub.join(id, toWorker);
    workers.push({ id, toWorker, bus, applied, channels });
  }
  return { hub, workers };
}

test('a purge published by the supervisor is applied by every worker; the answer sums their counts', async () => {
  const { hub, workers } = startCluster(3, 2);
  const purge: BusMessage = { kind: 'purge', selector: { tag: 'items' }, soft: false };
  assert.equal(await hub.publish(purge), 6);
  assert.deepEqual(
    workers.map((w) => w.applied),
    [[purge], [purge], [purge]],
  );
});

test("a worker's invalidation reaches the other workers (not itself) and the supervisor's handler", async () => {
  const { hub, workers } = startCluster(3);
  const seen: BusMessage[] = [];
  hub.subscribe((message) => {
    seen.push(message);
    return 0;
  });
  const invalidate: BusMessage = { kind: 'invalidate', keys: ['http://a.test/x'] };
  assert.equal(await workers[1]?.bus.publish(invalidate), 0);
  assert.deepEqual(
    workers.map((w) => w.applied.length),
    [1, 0, 1],
  );
  assert.deepEqual(seen, [invalidate]);
});

test('a worker that exited counts as done; one that does not answer makes the publish fail', async (t) => {
  const { hub, workers } = startCluster(2);
  const [gone, stuck] = workers;
  assert.ok(gone !== undefined && stuck !== undefined);
  gone.channels[1].connected = false;
  gone.toWorker.close();
  assert.equal(await hub.publish({ kind: 'revoke', entry: { jti: 't', exp: 2_000_000_000 } }), 0);

  t.mock.timers.enable({ apis: ['setTimeout'] });
  stuck.channels[1].removeAllListeners('message');
  const publish = hub.publish({ kind: 'purge', selector: { url: '/x' }, soft: false });
  t.mock.timers.tick(5000);
  await assert.rejects(publish, {
    code: 'CACHET_ERR_BUS_UNCONFIRMED',
    message: /^worker 2 did not confirm the purge: no answer within 5000 ms$/,
  });
});

test('revocations wait, in order, until the worker opens its bus; purges before it are answered 0 at once', async () => {
  const [a, b] = channelPair();
  const bus = createIpcMemberBus(createIpcPeer(b));
  createIpcPeer(a);
  const applied: string[] = [];
  bus.subscribe((message) => {
    applied.push(message.kind);
    return 0;
  });
  const first = bus.deliver({ kind: 'revoke', entry: { jti: 't', exp: 2_000_000_000 } });
  const second = bus.deliver({ kind: 'unrevoke', selector: { jti: 't' } });
  // Nothing is stored before the worker listens: nothing to purge, and the purge does not wait for it.
  assert.equal(await bus.deliver({ kind: 'purge', selector: { tag: 'x' }, soft: false }), 0);
  assert.equal(await bus.deliver({ kind: 'invalidate', keys: ['http://a.test/x'] }), 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(applied, []);
  bus.open();
  await Promise.all([first, second]);
  assert.deepEqual(applied, ['revoke', 'unrevoke']);
  await bus.deliver({ kind: 'invalidate', keys: [] });
  assert.deepEqual(applied, ['revoke', 'unrevoke', 'invalidate']);
});

test('a replacement waits 100 ms after a long-lived worker, doubling per quick exit in a row, at most 10 s', () => {
  assert.deepEqual([0, 1, 2, 3, 6, 7, 20].map(computeRestartDelayMs), [100, 200, 400, 800, 6400, 10_000, 10_000]);
});

test('health of several workers: a target is healthy where every worker finds it so; a missing worker degrades', () => {
  const report = (healthy: number) => ({ status: 'ok' as const, upstreams: [{ name: 'api', healthy, total: 2 }] });
  assert.deepEqual(mergeWorkerHealth([report(2), report(2)], 2), { status: 'ok', upstreams: [{ name: 'api', healthy: 2, total: 2 }] });
  assert.deepEqual(mergeWorkerHealth([report(2), report(1)], 2), {
    status: 'degraded',
    upstreams: [{ name: 'api', healthy: 1, total: 2 }],
  });
  assert.deepEqual(mergeWorkerHealth([report(2), report(0)], 2), { status: 'down', upstreams: [{ name: 'api', healthy: 0, total: 2 }] });
  assert.deepEqual(mergeWorkerHealth([report(2)], 2), { status: 'degraded', upstreams: [{ name: 'api', healthy: 2, total: 2 }] });
  assert.deepEqual(mergeWorkerHealth([], 2), { status: 'down', upstreams: [] });
});
