import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { StoredResponse } from './outcome.ts';
import { DONE, IN_FLIGHT, MISMATCH, type IdempotencyStore, type Lease } from './store.ts';

export interface MemoryIdempotencyStoreOptions {
  readonly clock: Clock;
  /** Bytes of kept outcomes; past it the oldest go first (leases never do). */
  readonly maxBytes: number;
}

interface Entry {
  readonly fingerprint: string;
  /** Set while the first request is in flight. */
  readonly token: string | undefined;
  /** The kept outcome once finished: a response, or null when it was processed without one. */
  readonly response: StoredResponse | null | undefined;
  readonly expiresAt: number;
  readonly bytes: number;
}

/** Rough bytes of an entry besides its body: key, fingerprint, fields, bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 256;

function measure(key: string, response: StoredResponse | null): number {
  if (response === null) return ENTRY_OVERHEAD_BYTES + key.length;
  let bytes = ENTRY_OVERHEAD_BYTES + key.length + response.body.length;
  for (const name in response.headers) bytes += name.length + String(response.headers[name]).length;
  return bytes;
}

/** Expired entries are swept at most this often, on a write. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Records of this process only (`store.type: memory`): an instance, or a worker, sees its own keys. Claims
 * are atomic because they run to completion on the event loop.
 */
export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions): IdempotencyStore {
  const { clock, maxBytes } = options;
  const entries = new Map<string, Entry>();
  let keptBytes = 0;
  let sweptAt = clock.now();

  function remove(key: string, entry: Entry): void {
    entries.delete(key);
    keptBytes -= entry.bytes;
  }

  function read(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined || entry.expiresAt > now) return entry;
    remove(key, entry);
    return undefined;
  }

  function holds(lease: Lease, now: number): Entry | undefined {
    const entry = read(lease.key, now);
    return entry?.token === lease.token ? entry : undefined;
  }

  function sweep(now: number): void {
    if (now - sweptAt < SWEEP_INTERVAL_MS) return;
    sweptAt = now;
    for (const [key, entry] of entries) if (entry.expiresAt <= now) remove(key, entry);
  }

  /** Oldest kept outcomes first (the map keeps insertion order, and an outcome is re-inserted when kept). */
  function evictOver(budget: number): void {
    for (const [key, entry] of entries) {
      if (keptBytes <= budget) return;
      if (entry.token === undefined) remove(key, entry);
    }
  }

  return {
    async claim(key, fingerprint, leaseMs) {
      const now = clock.now();
      sweep(now);
      const entry = read(key, now);
      if (entry === undefined) {
        const lease: Lease = { key, fingerprint, token: randomBytes(8).toString('hex') };
        entries.set(key, { fingerprint, token: lease.token, response: undefined, expiresAt: now + leaseMs, bytes: 0 });
        return { kind: 'acquired', lease };
      }
      if (entry.fingerprint !== fingerprint) return MISMATCH;
      if (entry.token !== undefined) return IN_FLIGHT;
      return entry.response === null || entry.response === undefined ? DONE : { kind: 'replay', response: entry.response };
    },
    async complete(lease, response, ttlMs) {
      const now = clock.now();
      const entry = holds(lease, now);
      if (entry === undefined) return;
      remove(lease.key, entry);
      // A response larger than the whole budget is kept as processed without one: the key still never runs twice.
      const kept = response !== null && measure(lease.key, response) > maxBytes ? null : response;
      const bytes = kept === null ? measure(lease.key, null) : measure(lease.key, kept);
      evictOver(maxBytes - bytes);
      entries.set(lease.key, { fingerprint: lease.fingerprint, token: undefined, response: kept, expiresAt: now + ttlMs, bytes });
      keptBytes += bytes;
    },
    async release(lease) {
      const entry = holds(lease, clock.now());
      if (entry !== undefined) remove(lease.key, entry);
    },
    async renew(lease, leaseMs) {
      const now = clock.now();
      const entry = holds(lease, now);
      if (entry !== undefined) entries.set(lease.key, { ...entry, expiresAt: now + leaseMs });
    },
    async close() {
      entries.clear();
      keptBytes = 0;
    },
  };
}
