import type { StoredResponse } from './outcome.ts';

/** Proof of holding a key's lease: only its holder may finish or release the key. */
export interface Lease {
  readonly key: string;
  readonly fingerprint: string;
  readonly token: string;
}

/**
 * What claiming a key found (draft-ietf-httpapi-idempotency-key-header-06 §2.6, §2.7):
 * - `acquired`: the key was free; the caller holds its lease and sends the request upstream;
 * - `mismatch`: the key belongs to a request with another fingerprint (422);
 * - `in-flight`: the first request with this key is still being processed (409);
 * - `replay`: the first request's response, to answer again;
 * - `done`: the first request was processed but its response was not kept (see `Settlement`).
 */
export type Claim =
  | { readonly kind: 'acquired'; readonly lease: Lease }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-flight' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'done' };

export const IN_FLIGHT: Claim = Object.freeze({ kind: 'in-flight' });
export const MISMATCH: Claim = Object.freeze({ kind: 'mismatch' });
export const DONE: Claim = Object.freeze({ kind: 'done' });

/**
 * Idempotency records, one per key: a lease while the first request is in flight, then its outcome for the
 * route's `ttlSec`. Claiming is atomic: of any number of concurrent claims of a free key (on every instance
 * sharing the store), exactly one acquires it.
 */
export interface IdempotencyStore {
  /** Takes the key's lease for `leaseMs` when it is free; otherwise answers what holds it. */
  claim(key: string, fingerprint: string, leaseMs: number): Promise<Claim>;
  /** Keeps the outcome (a response, or `null`: done without one) for `ttlMs`, if the lease is still held. */
  complete(lease: Lease, response: StoredResponse | null, ttlMs: number): Promise<void>;
  /** Frees the key, if the lease is still held. */
  release(lease: Lease): Promise<void>;
  /** Extends a held lease to `leaseMs` from now (a slow first request keeps its key). */
  renew(lease: Lease, leaseMs: number): Promise<void>;
  close(): Promise<void>;
}
