import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryIdempotencyStore } from '../../../src/idempotency/memory-store.ts';
import type { Claim } from '../../../src/idempotency/store.ts';
import { createManualClock } from '../../helpers/clock.ts';
import { runIdempotencyStoreConformance } from './store-conformance.ts';

describe('memory idempotency store: the store contract', () => {
  runIdempotencyStoreConformance(async () => {
    const clock = createManualClock();
    return {
      store: createMemoryIdempotencyStore({ clock, maxBytes: 1024 * 1024 }),
      elapse: async (ms) => clock.advance(ms),
    };
  });
});

describe('memory idempotency store: bounded', () => {
  const FP = 'f'.repeat(64);
  const response = (bytes: number) => ({ status: 200, headers: {}, body: Buffer.alloc(bytes) });

  it('past its byte budget the oldest kept records go first; leases in flight stay', async () => {
    const store = createMemoryIdempotencyStore({ clock: createManualClock(), maxBytes: 10_000 });
    const acquire = async (key: string) => {
      const claim = await store.claim(key, FP, 1000);
      assert.equal(claim.kind, 'acquired');
      return (claim as Extract<Claim, { kind: 'acquired' }>).lease;
    };
    const inFlight = await acquire('in-flight');
    for (const key of ['one', 'two', 'three']) await store.complete(await acquire(key), response(3000), 60_000);
    await store.complete(await acquire('four'), response(3000), 60_000);
    assert.equal((await store.claim('one', FP, 1000)).kind, 'acquired');
    assert.equal((await store.claim('four', FP, 1000)).kind, 'replay');
    assert.equal((await store.claim(inFlight.key, FP, 1000)).kind, 'in-flight');
  });

  it('a response larger than the whole budget is kept as done: the key still never runs twice', async () => {
    const store = createMemoryIdempotencyStore({ clock: createManualClock(), maxBytes: 1000 });
    const claim = await store.claim('huge', FP, 1000);
    assert.equal(claim.kind, 'acquired');
    await store.complete((claim as Extract<Claim, { kind: 'acquired' }>).lease, response(5000), 60_000);
    assert.deepEqual(await store.claim('huge', FP, 1000), { kind: 'done' });
  });
});
