import { it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { StoredResponse } from '../../../src/idempotency/outcome.ts';
import type { Claim, IdempotencyStore, Lease } from '../../../src/idempotency/store.ts';

/** One contract for every idempotency store: the memory store (per process) and Redis (shared). */
export interface StoreUnderTest {
  readonly store: IdempotencyStore;
  /** Lets `ms` pass for the store's expiry (a manual clock, or real time). */
  elapse(ms: number): Promise<void>;
  close?(): Promise<void>;
}

const FP_A = 'a'.repeat(64);
const FP_B = 'b'.repeat(64);
const LEASE_MS = 300;

const RESPONSE: StoredResponse = {
  status: 201,
  headers: { 'content-type': 'application/octet-stream', location: '/orders/1', 'set-cookie': ['a=1', 'b=2'] },
  // Every byte value, so a store that decodes bodies as text fails.
  body: Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)),
};

function leaseOf(claim: Claim): Lease {
  assert.equal(claim.kind, 'acquired');
  return (claim as Extract<Claim, { kind: 'acquired' }>).lease;
}

export function runIdempotencyStoreConformance(openStore: () => Promise<StoreUnderTest>): void {
  const open = async (t: TestContext): Promise<StoreUnderTest> => {
    const under = await openStore();
    t.after(() => under.close?.());
    return under;
  };

  it('a free key is acquired once; its fingerprint decides in-flight (409) or mismatch (422)', async (t) => {
    const { store } = await open(t);
    const key = randomUUID();
    leaseOf(await store.claim(key, FP_A, LEASE_MS));
    assert.deepEqual(await store.claim(key, FP_A, LEASE_MS), { kind: 'in-flight' });
    assert.deepEqual(await store.claim(key, FP_B, LEASE_MS), { kind: 'mismatch' });
  });

  it('concurrent claims of one key: exactly one acquires', async (t) => {
    const { store } = await open(t);
    const key = randomUUID();
    const claims = await Promise.all(Array.from({ length: 50 }, () => store.claim(key, FP_A, LEASE_MS)));
    assert.equal(claims.filter((claim) => claim.kind === 'acquired').length, 1);
    assert.equal(claims.filter((claim) => claim.kind === 'in-flight').length, 49);
  });

  it('a completed key replays its response byte for byte, with its fields, to the same fingerprint only', async (t) => {
    const { store } = await open(t);
    const key = randomUUID();
    const lease = leaseOf(await store.claim(key, FP_A, LEASE_MS));
    await store.complete(lease, RESPONSE, 60_000);
    const replay = await store.claim(key, FP_A, LEASE_MS);
    assert.equal(replay.kind, 'replay');
    const { response } = replay as Extract<Claim, { kind: 'replay' }>;
    assert.equal(response.status, 201);
    assert.deepEqual(response.headers, RESPONSE.headers);
    assert.deepEqual(response.body, RESPONSE.body);
    assert.deepEqual(await store.claim(key, FP_B, LEASE_MS), { kind: 'mismatch' });
  });

  it('a key completed without a response is done: never acquired again while it is kept', async (t) => {
    const { store } = await open(t);
    const key = randomUUID();
    await store.complete(leaseOf(await store.claim(key, FP_A, LEASE_MS)), null, 60_000);
    assert.deepEqual(await store.claim(key, FP_A, LEASE_MS), { kind: 'done' });
  });

  it('a released key is free again; a completed one expires after its ttl', async (t) => {
    const under = await open(t);
    const { store } = under;
    const released = randomUUID();
    await store.release(leaseOf(await store.claim(released, FP_A, LEASE_MS)));
    leaseOf(await store.claim(released, FP_B, LEASE_MS));
    const kept = randomUUID();
    await store.complete(leaseOf(await store.claim(kept, FP_A, LEASE_MS)), RESPONSE, 200);
    await under.elapse(400);
    leaseOf(await store.claim(kept, FP_B, LEASE_MS));
  });

  it('a lease expires unless renewed; a lost lease can neither complete nor release the key', async (t) => {
    const under = await open(t);
    const { store } = under;
    const renewed = randomUUID();
    const held = leaseOf(await store.claim(renewed, FP_A, LEASE_MS));
    await under.elapse(LEASE_MS / 2);
    await store.renew(held, LEASE_MS);
    await under.elapse(LEASE_MS / 2 + 50);
    assert.deepEqual(await store.claim(renewed, FP_A, LEASE_MS), { kind: 'in-flight' });

    const expired = randomUUID();
    const lost = leaseOf(await store.claim(expired, FP_A, LEASE_MS));
    await under.elapse(LEASE_MS + 100);
    const taker = leaseOf(await store.claim(expired, FP_A, LEASE_MS));
    await store.complete(lost, RESPONSE, 60_000);
    await store.release(lost);
    assert.deepEqual(await store.claim(expired, FP_A, LEASE_MS), { kind: 'in-flight' });
    await store.complete(taker, null, 60_000);
    assert.deepEqual(await store.claim(expired, FP_A, LEASE_MS), { kind: 'done' });
  });
}
