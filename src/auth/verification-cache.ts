import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Identity } from './types.ts';

interface CachedVerification {
  readonly identity: Identity;
  readonly expiresAt: number;
}

export interface VerificationCache {
  /** The identity of an earlier successful verification, while it is still within its lifetime. */
  get(tokenHash: string, now: number): Identity | undefined;
  /** Keeps a verification until min(token exp, now + maxTtlSec). */
  set(tokenHash: string, identity: Identity, now: number): void;
  clear(): void;
}

/** Keys are SHA-256 of the token, so the cache never holds a usable token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Creates the bounded (LRU) cache of successful verifications. Only the signature and claim
 * checks are cached; revocation, scopes and claim matches run on every request.
 */
export function createVerificationCache(options: { readonly maxEntries: number; readonly maxTtlSec: number }): VerificationCache {
  const enabled = options.maxEntries > 0 && options.maxTtlSec > 0;
  const entries = new LRUCache<string, CachedVerification>({ max: Math.max(1, options.maxEntries) });
  const maxTtlMs = options.maxTtlSec * 1000;
  return {
    get(tokenHash, now) {
      if (!enabled) return undefined;
      const entry = entries.get(tokenHash);
      if (entry === undefined) return undefined;
      if (entry.expiresAt > now) return entry.identity;
      entries.delete(tokenHash);
      return undefined;
    },
    set(tokenHash, identity, now) {
      if (!enabled) return;
      const expAt = identity.expiresAtSec === undefined ? now : identity.expiresAtSec * 1000;
      const expiresAt = Math.min(expAt, now + maxTtlMs);
      if (expiresAt > now) entries.set(tokenHash, { identity, expiresAt });
    },
    clear() {
      entries.clear();
    },
  };
}
